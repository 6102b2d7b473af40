/**
 * A production-shaped Temporal cluster on this machine, started by the project: the pinned Temporal server
 * (server-binaries.ts) with PostgreSQL for persistence and SQL advanced visibility (cluster-postgres.ts), the
 * history, matching, frontend and worker services as four processes, and mutual TLS on the frontend and between
 * the services with a throwaway CA (cluster-certs.ts). Everything listens on 127.0.0.1.
 *
 * `startCluster({ dir })` creates it on first use (certificates, database, schema, namespace, search attributes)
 * and starts it; each process gets its own process group and outlives the caller, like a real cluster. The
 * cluster directory then holds `cluster.json` (pids, ports) and `temporal.toml`, a client profile named `cluster`
 * that connects the way any Temporal user does (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE, @temporalio/envconfig).
 * `stopCluster(dir)` stops the processes and keeps the data; a later start resumes the same runs.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { makeClusterCerts, type ClusterCerts } from './cluster-certs';
import { DYNAMIC_CONFIG, dynamicConfigText, serverConfig, SERVICES, type ClusterPorts, type ServiceName } from './cluster-config';
import { CLUSTER_DB_USER, postmasterPid, startClusterPostgres } from './cluster-postgres';
import { ensureSearchAttributes, isAlive } from './dev-server';
import { provisionTemporalServer, type ServerBinaries } from './server-binaries';
import { TEMPORAL_NAMESPACE } from './settings';

export const CLUSTER_PROFILE = 'cluster';
export const CLUSTER_DIR_ENV = 'DURABLE_AGENT_CLUSTER_DIR';
const STATE_FILE = 'cluster.json';
const CONFIG_ENV = 'cluster';
const DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;
const STOP_GRACE_MS = 15_000;

export interface ClusterState {
  dir: string;
  address: string;
  namespace: string;
  /** `temporal.toml` with the `cluster` profile. */
  profileFile: string;
  profile: string;
  pids: Record<ServiceName | 'postgres', number>;
  ports: ClusterPorts & { postgres: number };
  serverVersion: string;
  startedAt: string;
}

export interface ClusterTimings {
  /** Finding (or building) the server binaries. */
  provisionSeconds: number;
  /** From the first process started to the namespace and search attributes being served over mTLS. */
  startSeconds: number;
  created: boolean;
}

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
}

/** `$DURABLE_AGENT_CLUSTER_DIR`, else `${XDG_STATE_HOME:-~/.local/state}/durable-agent/cluster`. */
export function defaultClusterDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env[CLUSTER_DIR_ENV]) return path.resolve(env[CLUSTER_DIR_ENV]);
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'durable-agent', 'cluster');
}

export async function readClusterState(dir: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await fsp.readFile(path.join(dir, STATE_FILE), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** The state of a cluster whose processes are all alive, or undefined. */
export async function runningCluster(dir: string): Promise<ClusterState | undefined> {
  const state = await readClusterState(dir);
  return state && Object.values(state.pids).every((pid) => isAlive(pid)) ? state : undefined;
}

/** One line each, what the user runs to connect, through Temporal's own environment configuration. */
export function connectHelp(state: ClusterState): string {
  return [
    `Temporal cluster (server ${state.serverVersion}, PostgreSQL, 4 services, mTLS) at ${state.address}, namespace ${state.namespace}`,
    `  export TEMPORAL_CONFIG_FILE=${state.profileFile} TEMPORAL_PROFILE=${state.profile}`,
    `  durable-agent worker   # or any command; the temporal CLI reads the same profile: temporal workflow list`,
    `  stop it: durable-agent cluster stop${state.dir === defaultClusterDir() ? '' : ` --dir ${state.dir}`}`,
  ].join('\n');
}

function profileToml(address: string, certs: ClusterCerts): string {
  // Paths, not inline data: the files stay where the cluster keeps them, and the profile stays readable.
  return [
    `# Written by \`durable-agent cluster start\`: the cluster's client profile (Temporal's envconfig format).`,
    `[profile.${CLUSTER_PROFILE}]`,
    `address = "${address}"`,
    `namespace = "${TEMPORAL_NAMESPACE}"`,
    ``,
    `[profile.${CLUSTER_PROFILE}.tls]`,
    `server_name = "${certs.serverName}"`,
    `server_ca_cert_path = "${certs.caCert}"`,
    `client_cert_path = "${certs.clientCert}"`,
    `client_key_path = "${certs.clientKey}"`,
    ``,
  ].join('\n');
}

function sqlTool(bins: ServerBinaries, args: string[], db: { port: number; password: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    // The password travels in the environment (SQL_PASSWORD), never on a command line other users can read.
    const env = { ...process.env, SQL_PASSWORD: db.password };
    const base = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(db.port), '-u', CLUSTER_DB_USER];
    execFile(bins.sqlTool, [...base, ...args], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new ClusterError(`temporal-sql-tool ${args.join(' ')} failed: ${(stderr || stdout).trim().split('\n').slice(-2).join(' | ')}`));
      else resolve();
    });
  });
}

/** Creates the databases once; applies the versioned schema on every start (a no-op when it is current). */
async function migrate(bins: ServerBinaries, db: { port: number; password: string }, create: boolean): Promise<void> {
  for (const [database, schema] of [
    [DATABASES.default, 'temporal'],
    [DATABASES.visibility, 'visibility'],
  ] as const) {
    if (create) {
      await sqlTool(bins, ['--db', database, 'create-database'], db);
      await sqlTool(bins, ['--db', database, 'setup-schema', '-v', '0.0'], db);
    }
    await sqlTool(bins, ['--db', database, 'update-schema', '-d', path.join(bins.schemaDir, schema, 'versioned')], db);
  }
}

/**
 * A free port on 127.0.0.1 below 32768: the server records each service's port in PostgreSQL's
 * cluster_membership table as a smallint, so a port from the kernel's ephemeral range (32768 and up) fails there.
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new ClusterError('no free port between 20000 and 32000 on 127.0.0.1');
}

async function freePorts(): Promise<ClusterPorts & { postgres: number }> {
  const taken = new Set<number>();
  const next = (): Promise<number> => freeLowPort(taken);
  const perService = async (): Promise<Record<ServiceName, number>> => {
    const ports = {} as Record<ServiceName, number>;
    for (const s of SERVICES) ports[s] = await next();
    return ports;
  };
  return { frontendGrpc: await next(), frontendHttp: await next(), grpc: await perService(), membership: await perService(), postgres: await next() };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`, or the process `pid` exits. */
async function waitForListen(port: number, pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive(pid)) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function startService(bins: ServerBinaries, dir: string, service: ServiceName): number {
  const logFile = path.join(dir, 'logs', `${service}.log`);
  const log = fs.openSync(logFile, 'a');
  const child = spawn(bins.server, ['--root', dir, '--config', 'config', '--env', CONFIG_ENV, '--allow-no-auth', 'start', '--service', service], {
    cwd: dir,
    stdio: ['ignore', log, log],
    detached: true,
  });
  fs.closeSync(log);
  child.unref();
  if (!child.pid) throw new ClusterError(`could not start the ${service} service`);
  return child.pid;
}

/** Connects with the profile the cluster wrote, exactly as a user's process would. */
export async function connectWithProfile(state: Pick<ClusterState, 'profileFile' | 'profile'>): Promise<Connection> {
  const { connectionOptions } = loadClientConnectConfig({ profile: state.profile, configSource: { path: state.profileFile }, disableEnv: true });
  return Connection.connect({ ...(connectionOptions as ConnectionOptions), connectTimeout: 5_000 });
}

async function waitUntilServing(state: ClusterState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not tried';
  while (Date.now() < deadline) {
    const dead = Object.entries(state.pids).find(([, pid]) => !isAlive(pid));
    if (dead) throw new ClusterError(`the ${dead[0]} process exited; see ${path.join(state.dir, 'logs', `${dead[0]}.log`)}: ${await logTail(state.dir, dead[0])}`);
    let connection: Connection | undefined;
    try {
      connection = await connectWithProfile(state);
      try {
        await connection.workflowService.describeNamespace({ namespace: state.namespace });
      } catch (err) {
        if ((err as { code?: number }).code !== 5) throw err; // NOT_FOUND: a new cluster; create the namespace
        await connection.workflowService.registerNamespace({ namespace: state.namespace, workflowExecutionRetentionPeriod: msToTs('3 days') });
        continue;
      }
      if (await ensureSearchAttributes(connection, state.namespace)) return;
      last = 'search attributes not yet visible';
    } catch (err) {
      last = (err as Error).message.split('\n')[0] ?? String(err);
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new ClusterError(`the cluster did not serve namespace ${state.namespace} within ${timeoutMs / 1000} s (${last}); logs in ${path.join(state.dir, 'logs')}`);
}

async function logTail(dir: string, name: string): Promise<string> {
  const file = name === 'postgres' ? path.join(dir, 'postgres', 'postgres.log') : path.join(dir, 'logs', `${name}.log`);
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 600);
}

/**
 * Starts the cluster in `dir` (creating it the first time) and resolves once it serves the namespace with the
 * search attributes over mTLS. Refuses when a cluster already runs there.
 *
 * @example
 * const { state } = await startCluster({ dir: '/tmp/cluster', log: console.log });
 * process.env.TEMPORAL_CONFIG_FILE = state.profileFile; process.env.TEMPORAL_PROFILE = state.profile;
 */
export async function startCluster(
  opts: { dir?: string; log?: (line: string) => void; readyTimeoutMs?: number; dynamicConfig?: Readonly<Record<string, unknown>> } = {},
): Promise<{ state: ClusterState; timings: ClusterTimings }> {
  const dir = path.resolve(opts.dir ?? defaultClusterDir());
  const log = opts.log ?? (() => undefined);
  const running = await runningCluster(dir);
  if (running) throw new ClusterError(`a cluster already runs in ${dir} (${running.address}); stop it first: durable-agent cluster stop --dir ${dir}`);
  const leftover = await readClusterState(dir);
  if (leftover) await stopProcesses(leftover); // a half-dead cluster: stop what is left before starting again

  const t0 = performance.now();
  const bins = await provisionTemporalServer({ log });
  const provisionSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();

  await fsp.mkdir(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
  // Others may pass through (PostgreSQL runs as its own OS user and needs to reach postgres/), not list or read.
  await fsp.chmod(dir, 0o711);
  await fsp.mkdir(path.join(dir, 'config'), { recursive: true, mode: 0o700 });
  const created = !fs.existsSync(path.join(dir, 'postgres', 'data', 'PG_VERSION'));
  const tlsDir = path.join(dir, 'tls');
  const certs = created || !fs.existsSync(path.join(tlsDir, 'client.pem')) ? await makeClusterCerts(tlsDir) : certsIn(tlsDir);
  const passwordFile = path.join(dir, 'postgres.password');
  if (created) await fsp.writeFile(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = (await fsp.readFile(passwordFile, 'utf8')).trim();

  const ports = await freePorts();
  log(`cluster: PostgreSQL on 127.0.0.1:${ports.postgres}${created ? ' (new database)' : ''}`);
  const pg = await startClusterPostgres(dir, ports.postgres, password);
  const pids = { postgres: pg.pid } as ClusterState['pids'];
  const address = `127.0.0.1:${ports.frontendGrpc}`;
  const state: ClusterState = {
    dir,
    address,
    namespace: TEMPORAL_NAMESPACE,
    profileFile: path.join(dir, 'temporal.toml'),
    profile: CLUSTER_PROFILE,
    pids,
    ports,
    serverVersion: bins.version,
    startedAt: new Date().toISOString(),
  };
  try {
    await migrate(bins, { port: ports.postgres, password }, created);
    const dynamicConfigFile = path.join(dir, 'config', 'dynamic.yaml');
    // The defaults (cluster-config.ts), with the caller's values over them (the settings benchmark compares some).
    await fsp.writeFile(dynamicConfigFile, dynamicConfigText({ ...DYNAMIC_CONFIG, ...opts.dynamicConfig }));
    const config = serverConfig({ ports, db: { port: ports.postgres, user: CLUSTER_DB_USER, password, databases: DATABASES }, certs, dynamicConfigFile });
    await fsp.writeFile(path.join(dir, 'config', `${CONFIG_ENV}.yaml`), JSON.stringify(config, null, 2), { mode: 0o600 });
    await fsp.writeFile(state.profileFile, profileToml(address, certs), { mode: 0o600 });
    for (const service of SERVICES) {
      pids[service] = startService(bins, dir, service);
      log(`cluster: ${service} service started (pid ${pids[service]})`);
      // History first, and alone until it listens: the first service to start writes the cluster's metadata, and
      // two writing it at once on a new database fail with a duplicate key.
      if (service === 'history') await waitForListen(ports.grpc.history, pids.history, 60_000);
    }
    await fsp.writeFile(path.join(dir, STATE_FILE), JSON.stringify(state, null, 2));
    await waitUntilServing(state, opts.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await stopProcesses(state);
    throw err;
  }
  return { state, timings: { provisionSeconds, startSeconds: (performance.now() - t1) / 1000, created } };
}

function certsIn(dir: string): ClusterCerts {
  const f = (name: string): string => path.join(dir, name);
  return {
    dir,
    caCert: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    systemWorkerCert: f('system-worker.pem'),
    systemWorkerKey: f('system-worker.key'),
    serverName: 'localhost',
  };
}

async function stopPid(pid: number | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_GRACE_MS;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

async function stopProcesses(state: ClusterState): Promise<void> {
  // Clients' front door first, the store last: nothing writes to PostgreSQL once it stops.
  for (const service of ['worker', 'frontend', 'matching', 'history'] as const) await stopPid(state.pids[service], 'SIGTERM');
  // Fast shutdown: SIGINT to the postmaster (its pid, not runuser's).
  await stopPid(postmasterPid(path.join(state.dir, 'postgres', 'data')) ?? state.pids.postgres, 'SIGINT');
}

/** Stops the cluster in `dir`, keeping its data; false when none was running there. */
export async function stopCluster(dir: string = defaultClusterDir()): Promise<boolean> {
  const state = await readClusterState(path.resolve(dir));
  if (!state) return false;
  const wasRunning = Object.values(state.pids).some((pid) => isAlive(pid));
  await stopProcesses(state);
  await fsp.rm(path.join(state.dir, STATE_FILE), { force: true });
  return wasRunning;
}

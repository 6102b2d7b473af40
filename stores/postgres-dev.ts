/**
 * A throwaway PostgreSQL cluster for tests and benchmarks, started by the project itself from the Debian packages
 * (`apt-get install -y postgresql`, which puts the binaries in /usr/lib/postgresql/<version>/bin).
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then initdb and the server run as the `postgres` OS user
 * (through `runuser`) in a temporary directory owned by that user. The cluster listens on a free port on 127.0.0.1
 * and on a unix socket in its own directory (never /var/run/postgresql, which may belong to a system cluster),
 * trusts every local connection, and is tuned for speed over durability: its data is deleted on stop anyway.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { getFreePort } from '../temporal-config/dev-server';

/** The directory holding the PostgreSQL binaries (initdb, postgres), instead of looking for them. */
export const POSTGRES_BIN_ENV = 'DURABLE_AGENT_POSTGRES_BIN';
const DEBIAN_ROOT = '/usr/lib/postgresql';
const OS_USER = 'postgres';

export interface DevPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust authentication: no password). */
  url: string;
  port: number;
  /** The temporary directory holding the cluster, its socket and its log. */
  dir: string;
  /** Stops the server (fast shutdown) and deletes the cluster. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Directory holding `initdb` and `postgres`; default `$DURABLE_AGENT_POSTGRES_BIN` or the newest Debian one. */
  binDir?: string;
  /** How long to wait for the server to accept connections; default 30 s. */
  readyTimeoutMs?: number;
}

/** The PostgreSQL binaries are not installed, or the cluster could not start; the message says which and why. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

/**
 * The directory holding `initdb` and `postgres`, or undefined when PostgreSQL is not installed. Synchronous, so a
 * test file can decide at load time whether to declare its PostgreSQL suite.
 */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates: string[] = [];
  // When set, it is the only place looked at (so a test can also name a directory without PostgreSQL).
  const override = env[POSTGRES_BIN_ENV];
  if (override) return hasServerBinaries(override) ? override : undefined;
  try {
    const versions = fs
      .readdirSync(DEBIAN_ROOT)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(DEBIAN_ROOT, v, 'bin')));
  } catch {
    // No Debian PostgreSQL; maybe the binaries are on PATH.
  }
  candidates.push(...(env.PATH ?? '').split(path.delimiter).filter(Boolean));
  return candidates.find(hasServerBinaries);
}

function hasServerBinaries(dir: string): boolean {
  return isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'postgres'));
}

/** Why PostgreSQL cannot be started here, or undefined if it can be tried. */
export function postgresUnavailableReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!findPostgresBinDir(env)) {
    return `PostgreSQL binaries (initdb, postgres) not found (looked in ${env[POSTGRES_BIN_ENV] ? `$${POSTGRES_BIN_ENV}=${env[POSTGRES_BIN_ENV]}` : `${DEBIAN_ROOT}/*/bin and PATH`}); install them with: apt-get install -y postgresql`;
  }
  if (isRoot() && !osUserIds(OS_USER)) {
    return `running as root, and PostgreSQL refuses root, but there is no "${OS_USER}" OS user to run it as (the postgresql package creates it)`;
  }
  return undefined;
}

/**
 * Starts a private PostgreSQL cluster and waits until it accepts connections.
 *
 * @example
 * const pg = await startPostgres();
 * const store = await PostgresBlobStore.open({ connectionString: pg.url });
 * // ...
 * await store.close();
 * await pg.stop();
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<DevPostgres> {
  const unavailable = options.binDir ? undefined : postgresUnavailableReason();
  if (unavailable) throw new PostgresUnavailableError(unavailable);
  const binDir = options.binDir ?? (findPostgresBinDir() as string);
  const asUser = isRoot() ? osUserIds(OS_USER) : undefined;
  if (isRoot() && !asUser) throw new PostgresUnavailableError(`no "${OS_USER}" OS user to run PostgreSQL as`);

  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'durable-agent-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  if (asUser) await fsp.chown(dir, asUser.uid, asUser.gid);
  // mkdtemp makes it 0700; the postgres user owns it now, and nobody else needs to enter it.

  const run = (bin: string, args: string[]): [string, string[]] =>
    asUser ? ['runuser', ['-u', OS_USER, '--', path.join(binDir, bin), ...args]] : [path.join(binDir, bin), args];

  let child: ChildProcess | undefined;
  try {
    const [initCmd, initArgs] = run('initdb', [
      '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions',
    ]);
    const init = await runToEnd(initCmd, initArgs, dir);
    if (init.failure) throw new PostgresUnavailableError(`initdb failed (${init.failure}): ${tail(init.output)}`);

    const port = await getFreePort('127.0.0.1');
    const [cmd, args] = run('postgres', [
      '-D', dataDir,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${dir}`,
      // Speed over durability: the cluster is deleted on stop.
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'shared_buffers=32MB',
      '-c', 'max_connections=60',
      '-c', 'max_wal_size=256MB',
      '-c', `logging_collector=off`,
    ]);
    const log = fs.openSync(logFile, 'a');
    if (asUser) fs.fchownSync(log, asUser.uid, asUser.gid);
    child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const started = child;
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    await waitUntilReady(url, started, logFile, options.readyTimeoutMs ?? 30_000);

    const killOnExit = (): void => {
      // Last resort if the caller never calls stop(): do not leave a postgres behind a dead test process.
      const pid = postmasterPid(dataDir);
      if (pid) tryKill(pid, 'SIGQUIT');
    };
    process.once('exit', killOnExit);
    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      dir,
      stop: () =>
        (stopped ??= (async () => {
          process.off('exit', killOnExit);
          await stopServer(started, dataDir);
          await fsp.rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    if (child) await stopServer(child, dataDir);
    await fsp.rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Resolves once `url` accepts a login and a query; rejects when `child` exits first or `timeoutMs` passes. */
export async function waitUntilReady(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  const onExit = (code: number | null, signal: string | null): void => {
    exited = `exited (code ${code}, signal ${signal})`;
  };
  child.once('exit', onExit);
  let lastError = 'not tried';
  try {
    while (Date.now() < deadline && !exited) {
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch (err) {
        lastError = (err as Error).message;
      } finally {
        await client.end().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    child.off('exit', onExit);
  }
  const why = exited ?? `not ready after ${timeoutMs} ms (${lastError})`;
  throw new PostgresUnavailableError(`postgres ${why}; log:\n${tail(readIfExists(logFile))}`);
}

/**
 * Fast shutdown (SIGINT to the postmaster: disconnect clients, no wait). The child may be `runuser`, so the
 * postmaster's own pid is read from postmaster.pid; root may signal it. SIGKILL after 10 s.
 */
async function stopServer(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = postmasterPid(dataDir);
  if (pid) tryKill(pid, 'SIGINT');
  else tryKill(child.pid, 'SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    if (pid) tryKill(pid, 'SIGKILL');
    tryKill(child.pid, 'SIGKILL');
    await exited;
  }
}

/** Runs a command to its end without blocking the event loop; `failure` says how it failed, if it did. */
function runToEnd(cmd: string, args: string[], cwd: string): Promise<{ failure?: string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', (err) => resolve({ failure: err.message, output }));
    child.once('close', (code, signal) => resolve(code === 0 ? { output } : { failure: `exit ${code ?? signal}`, output }));
  });
}

function postmasterPid(dataDir: string): number | undefined {
  const first = readIfExists(path.join(dataDir, 'postmaster.pid')).split('\n')[0];
  const pid = Number(first);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function tryKill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function osUserIds(user: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(text: string, lines = 20): string {
  return text.split('\n').filter(Boolean).slice(-lines).join('\n') || '(no output)';
}

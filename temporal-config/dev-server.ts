/**
 * Starts and stops real Temporal dev servers (`temporal server start-dev`) for `durable-agent server`, the demo,
 * the soak and the benchmark: in memory or on a SQLite file, tied to the caller or detached (own process group,
 * a pid file, outlives the caller). Tests start theirs with `TestWorkflowEnvironment.createLocal`
 * (test/helpers/local-server.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { provisionTemporalCli, resolveTemporalCliPathSync } from './provision-cli';
import { SEARCH_ATTRIBUTE_KEYS } from '../common/search-attributes';
import {
  DEFAULT_IP,
  devServerDynamicConfigArgs,
  indexedValueType,
  SEARCH_ATTRIBUTES,
  sqlitePragmaArgs,
  TEMPORAL_NAMESPACE,
} from './settings';

export interface DevServerOptions {
  /** Interface the frontend (and UI) bind to. Default 127.0.0.1. */
  ip?: string;
  /** Frontend gRPC port; 0 or undefined picks a free port. */
  port?: number;
  /** Web UI port; undefined picks a free port. Ignored when headless. */
  uiPort?: number;
  headless?: boolean;
  /** SQLite file for persistent state; undefined means in-memory (state dies with the process). */
  dbFilename?: string;
  namespace?: string;
  /** Server output goes here (appended). Detached servers default to `<db>.log` or a temp file. */
  logFile?: string;
  /** Spawn in its own process group, output to the log file, unref()ed: the server outlives the caller. */
  detached?: boolean;
  /** The `temporal` binary; default: routes 1-3 of provisioning, else full provisioning. */
  cliPath?: string;
}

export interface DevServer {
  /** host:port of the frontend, for `Connection.connect({ address })`. */
  address: string;
  uiUrl?: string;
  namespace: string;
  pid: number;
  logFile?: string;
  /** Detached file-backed servers only: pidFileOf(db), for stopDetachedServer(). */
  pidFile?: string;
  stop(): Promise<void>;
}

/** What a detached server's pid file records, so another process can find and stop it. */
export interface DetachedServerInfo {
  pid: number;
  address: string;
  namespace: string;
  uiUrl?: string;
  logFile?: string;
}

const STOP_GRACE_MS = 10_000;
/** How long to wait for the namespace and search attributes to be served. */
const READY_TIMEOUT_MS = 60_000;
const LOG_TAIL_LINES = 30;

/** Binds port 0 and reads the port the OS chose. Another process could take it before the server binds; rare. */
export async function getFreePort(ip = DEFAULT_IP): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const addr = server.address();
      server.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function hostForClient(ip: string): string {
  if (ip === '0.0.0.0' || ip === 'localhost') return '127.0.0.1';
  return ip.includes(':') ? `[${ip}]` : ip;
}

/**
 * Connection.lazy + ensureConnected rather than Connection.connect: when connect fails, Connection.connect
 * throws without closing its gRPC channel, and those leaked channels keep the process (e.g. jest) alive.
 */
function openConnection(address: string, connectTimeoutMs: number): Connection {
  return Connection.lazy({ address, connectTimeout: connectTimeoutMs });
}

/** True if the frontend answers DescribeNamespace within timeoutMs. Never throws. */
export async function isServerReachable(address: string, namespace: string, timeoutMs = 2_000): Promise<boolean> {
  const connection = openConnection(address, timeoutMs);
  try {
    await connection.ensureConnected();
    await connection.withDeadline(Date.now() + timeoutMs, () =>
      connection.workflowService.describeNamespace({ namespace }),
    );
    return true;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export function serverArgs(o: {
  ip: string;
  port: number;
  uiPort?: number;
  dbFilename?: string;
  namespace: string;
}): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip, '--port', String(o.port)];
  args.push(...(o.uiPort === undefined ? ['--headless'] : ['--ui-port', String(o.uiPort)]));
  // Pragmas only matter for a file: an in-memory database has no journal to fsync.
  if (o.dbFilename) args.push('--db-filename', o.dbFilename, ...sqlitePragmaArgs());
  // `default` is always created; naming it again is redundant.
  if (o.namespace !== 'default') args.push('--namespace', o.namespace);
  // Registered into every namespace the server creates, before the frontend accepts requests.
  for (const [k, v] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${k}=${v}`);
  // No 50 ms dispatch tick (settings.ts DEV_SERVER_DYNAMIC_CONFIG).
  args.push(...devServerDynamicConfigArgs());
  args.push('--log-level', 'warn');
  return args;
}

/** Last lines of the server's output, for error messages. */
class OutputTail {
  private lines: string[] = [];
  constructor(private readonly logFile?: string) {}
  push(chunk: Buffer): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    this.lines = this.lines.slice(-LOG_TAIL_LINES);
  }
  text(): string {
    let lines = this.lines;
    if (lines.length === 0 && this.logFile && fs.existsSync(this.logFile)) {
      lines = fs.readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean).slice(-LOG_TAIL_LINES);
    }
    return lines.length ? lines.join('\n') : '(no output)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A registered attribute with another type: waiting will not fix it. */
class SearchAttributeConflict extends Error {}

/**
 * The server is ready when the namespace is served and our search attributes are visible on it. A database file
 * created before an attribute was added to SEARCH_ATTRIBUTES lacks it (the CLI registers attributes only when it
 * creates a namespace), so missing ones are added through the operator service. Returns true when all are there.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<boolean> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, number> = {};
  for (const { name, type } of SEARCH_ATTRIBUTE_KEYS) {
    const have = customAttributes?.[name];
    if (have === undefined || have === null) missing[name] = indexedValueType(type);
    else if (have !== indexedValueType(type)) {
      throw new SearchAttributeConflict(`search attribute ${name} has IndexedValueType ${have}, want ${type}`);
    }
  }
  if (Object.keys(missing).length === 0) return true;
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return false; // list again: adding is asynchronous on the server side
}

async function waitUntilReady(
  address: string,
  namespace: string,
  child: ChildProcess,
  tail: OutputTail,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not tried';
  let exited: string | undefined;
  const onExit = (code: number | null, signal: string | null) => (exited = `exited (code ${code}, signal ${signal})`);
  child.once('exit', onExit);
  try {
    while (Date.now() < deadline && !exited) {
      // A fresh connection per attempt: a failed connect is memoized by the Connection.
      const connection = openConnection(address, 2_000);
      try {
        // Retry from connect: the frontend port opens only after the other services are up, and a just-opened
        // frontend can still answer NotFound/Unavailable for the namespace until its registry is loaded.
        await connection.ensureConnected();
        const ready = await connection.withDeadline(Date.now() + 5_000, async () => {
          await connection.workflowService.describeNamespace({ namespace });
          return ensureSearchAttributes(connection, namespace);
        });
        if (ready) return;
        lastError = 'search attributes were missing; added them';
      } catch (err) {
        if (err instanceof SearchAttributeConflict) throw err;
        lastError = (err as Error).message;
      } finally {
        await connection.close().catch(() => undefined);
      }
      await sleep(250);
    }
  } finally {
    child.off('exit', onExit);
  }
  const why = exited ?? `not ready within ${timeoutMs} ms (last error: ${lastError})`;
  throw new Error(`Temporal dev server at ${address} ${why}. Last server output:\n${tail.text()}`);
}

/** Whether a process exists. EPERM means it does, and belongs to someone we may not signal. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Guards against pid reuse: only signal a pid that is still a `temporal server start-dev`. */
function isDevServerProcess(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('start-dev');
  } catch {
    return process.platform !== 'linux' && isAlive(pid); // no /proc: trust the pid file
  }
}

async function terminate(pid: number, isGone: () => boolean, graceMs: number): Promise<void> {
  if (isGone()) return;
  // SIGTERM lets the dev server close SQLite cleanly (checkpointing the WAL); SIGKILL only if it hangs.
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (!isGone() && Date.now() < deadline) await sleep(50);
  if (!isGone()) {
    process.kill(pid, 'SIGKILL');
    while (!isGone()) await sleep(50);
  }
}

/** Where a detached server on `dbFilename` records itself. */
export function pidFileOf(dbFilename: string): string {
  return `${dbFilename}.pid`;
}

export async function readDetachedServer(pidFile: string): Promise<DetachedServerInfo | undefined> {
  try {
    const info = JSON.parse(await fsp.readFile(pidFile, 'utf8')) as DetachedServerInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

/** The server a pid file names, if it is still running (and still a dev server: pids are reused). */
async function runningDetachedServer(pidFile: string): Promise<DetachedServerInfo | undefined> {
  const info = await readDetachedServer(pidFile);
  return info && isAlive(info.pid) && isDevServerProcess(info.pid) ? info : undefined;
}

/** Stops the server a pid file names and removes the file. Resolves false if none was running. */
export async function stopDetachedServer(pidFile: string, graceMs = STOP_GRACE_MS): Promise<boolean> {
  const info = await runningDetachedServer(pidFile);
  // Not our child, so no 'exit' event: poll. A zombie can't exist (we are not its parent) once it has exited.
  if (info) await terminate(info.pid, () => !isAlive(info.pid), graceMs);
  await fsp.rm(pidFile, { force: true });
  return info !== undefined;
}

/** Non-detached servers die with the calling process (e.g. a jest worker), not linger holding ports. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function killChildrenOnExit(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => liveChildren.forEach((c) => c.kill('SIGTERM')));
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const ip = opts.ip ?? DEFAULT_IP;
  const namespace = opts.namespace ?? TEMPORAL_NAMESPACE;
  const port = opts.port || (await getFreePort(ip));
  const uiPort = opts.headless ? undefined : (opts.uiPort ?? (await getFreePort(ip)));
  const dbFilename = opts.dbFilename ? path.resolve(opts.dbFilename) : undefined;
  const cliPath = opts.cliPath ?? resolveTemporalCliPathSync() ?? (await provisionTemporalCli()).path;
  const address = `${hostForClient(ip)}:${port}`;
  const uiUrl = uiPort === undefined ? undefined : `http://${hostForClient(ip)}:${uiPort}`;

  // The CLI refuses a db file whose directory does not exist.
  if (dbFilename) await fsp.mkdir(path.dirname(dbFilename), { recursive: true });
  const pidFile = opts.detached && dbFilename ? pidFileOf(dbFilename) : undefined;
  // Two servers on one SQLite file would corrupt each other's view of workflow state.
  const existing = dbFilename ? await runningDetachedServer(pidFileOf(dbFilename)) : undefined;
  if (existing) {
    throw new Error(`a detached dev server (pid ${existing.pid}, ${existing.address}) already uses ${dbFilename}`);
  }
  const detachedLog = dbFilename ? `${dbFilename}.log` : path.join(os.tmpdir(), `temporal-dev-${port}.log`);
  const logFile = opts.logFile ?? (opts.detached ? detachedLog : undefined);
  if (logFile) await fsp.mkdir(path.dirname(logFile), { recursive: true });

  const args = serverArgs({ ip, port, uiPort, dbFilename, namespace });
  const tail = new OutputTail(logFile);
  let child: ChildProcess;
  if (opts.detached) {
    // Output straight to a file descriptor: a pipe would break (SIGPIPE) once this process exits.
    const fd = fs.openSync(logFile as string, 'a');
    try {
      child = spawn(cliPath, args, { detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd);
    }
    child.unref();
  } else {
    child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const logStream = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        tail.push(chunk);
        logStream?.write(chunk);
      });
    }
    child.once('exit', () => logStream?.end());
    killChildrenOnExit(child);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`could not start ${cliPath}: ${err.message}`);
  }

  let exitCode: number | null | undefined;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const stop = async () => {
    if (exitCode === undefined && child.exitCode === null && child.signalCode === null) {
      await terminate(pid, () => exitCode !== undefined, STOP_GRACE_MS);
    }
    await exitedPromise;
    if (pidFile) await fsp.rm(pidFile, { force: true });
  };

  try {
    await waitUntilReady(address, namespace, child, tail, READY_TIMEOUT_MS);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  if (pidFile) {
    const info: DetachedServerInfo = { pid, address, namespace, uiUrl, logFile };
    await fsp.writeFile(pidFile, `${JSON.stringify(info)}\n`);
  }
  return { address, uiUrl, namespace, pid, logFile, pidFile, stop };
}

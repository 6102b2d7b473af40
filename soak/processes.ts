/**
 * The processes the soak abuses: `durable-agent worker` child processes (SIGKILLed, SIGTERMed, restarted) and a
 * file-backed dev server (stopped and started again on the same SQLite file and port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDevServer, type DevServer, type DevServerOptions } from '../temporal-config/dev-server';
import { projectRoot } from '../temporal-config/settings';

const CLI = join(projectRoot(), 'dist', 'cli', 'main.js');
/** The agent of the crash tests: tools whose effects land in a SQLite file, keyed by idempotency key. */
export const SOAK_AGENT = join(projectRoot(), 'test', 'fixtures', 'crash-agent.js');

export interface WorkerSlot {
  name: string;
  /** Every incarnation's exit is awaited before the next starts. */
  child?: ChildProcess;
  incarnation: number;
  output: string;
}

export interface WorkerConfig {
  env: NodeJS.ProcessEnv;
}

/** Starts (or restarts) the worker in `slot`; resolves once it says it is polling. */
export async function startWorker(slot: WorkerSlot, config: WorkerConfig): Promise<void> {
  slot.incarnation++;
  const child = spawn(process.execPath, [CLI, 'worker', '--agents', SOAK_AGENT, '--log-level', 'ERROR'], {
    env: { ...config.env, CRASH_WORKER: `${slot.name}.${slot.incarnation}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  slot.child = child;
  slot.output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${slot.name} did not start:\n${slot.output.slice(-2000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      slot.output = (slot.output + chunk.toString()).slice(-20_000);
      if (/worker polling[^]*\n {2}model .*\n/.test(slot.output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker ${slot.name} exited while starting (code ${code}, signal ${signal}):\n${slot.output.slice(-2000)}`));
    });
  });
}

export function isAlive(slot: WorkerSlot): boolean {
  return !!slot.child && slot.child.exitCode === null && slot.child.signalCode === null;
}

/** Sends `signal` and waits for the process to exit. */
export async function stopWorker(slot: WorkerSlot, signal: NodeJS.Signals): Promise<void> {
  const child = slot.child;
  if (!child || !isAlive(slot)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** Resident memory of a live worker, from /proc (Linux), in bytes. */
export function rssOf(slot: WorkerSlot): number | undefined {
  const pid = slot.child?.pid;
  if (!pid || !isAlive(slot)) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A dev server that can be restarted on the same SQLite file and port. */
export class RestartableServer {
  private server?: DevServer;
  constructor(private readonly options: DevServerOptions) {}

  async start(): Promise<DevServer> {
    this.server = await startDevServer(this.options);
    return this.server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }
}

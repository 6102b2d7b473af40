/**
 * The processes the soak abuses: `durable-agent worker` child processes (SIGKILLed, SIGTERMed, restarted) and a
 * file-backed dev server (stopped and started again on the same SQLite file and port).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDevServer, type DevServer, type DevServerOptions } from '../temporal-config/dev-server';
import { projectRoot } from '../temporal-config/settings';
import { spawnWorkerProcess, type WorkerProcess } from './worker-process';

/** The agent of the crash tests: tools whose effects land in a SQLite file, keyed by idempotency key. */
export const SOAK_AGENT = join(projectRoot(), 'test', 'fixtures', 'crash-agent.js');

export interface WorkerSlot {
  name: string;
  /** The live incarnation; undefined while one starts (so a restart is never taken for a crash). */
  worker?: WorkerProcess;
  incarnation: number;
}

export interface WorkerConfig {
  env: NodeJS.ProcessEnv;
}

/** Starts (or restarts) the worker in `slot`; resolves once it says it is polling. */
export async function startWorker(slot: WorkerSlot, config: WorkerConfig): Promise<void> {
  slot.incarnation++;
  slot.worker = undefined;
  slot.worker = await spawnWorkerProcess({
    name: slot.name,
    agents: SOAK_AGENT,
    env: { ...config.env, CRASH_WORKER: `${slot.name}.${slot.incarnation}` },
    args: ['--log-level', 'ERROR'],
  });
}

export function isAlive(slot: WorkerSlot): boolean {
  return slot.worker?.alive() ?? false;
}

/** Sends `signal` and waits for the process to exit. */
export async function stopWorker(slot: WorkerSlot, signal: NodeJS.Signals): Promise<void> {
  await slot.worker?.stop(signal);
}

/** Resident memory of a live worker, from /proc (Linux), in bytes. */
export function rssOf(slot: WorkerSlot): number | undefined {
  const pid = slot.worker?.child.pid;
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

/**
 * Child processes the bench drives over Node's IPC channel: workers (so they can be SIGKILLed and their peak RSS
 * read from /proc) and the scripted model (so its CPU is not the contender's event loop). A child can run under a
 * different Node binary (the ai-sdk worker runs under Node 22); IPC is JSON either way.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** Messages a child sends: `ready` once, replies to requests by id, and a fatal error. */
export type ChildMessage =
  | { type: 'ready'; [key: string]: unknown }
  | { type: 'reply'; id: number; value: unknown }
  | { type: 'error'; message: string };

export interface ChildOptions {
  /** The Node binary; default: the one running the bench. */
  execPath?: string;
  /** Node flags besides --expose-gc. */
  execArgv?: string[];
  /** stdout and stderr are appended here (a pipe nobody reads would eventually block the child). */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for `ready`. */
  readyTimeoutMs?: number;
}

export class Child {
  private nextId = 1;
  private pending = new Map<number, (value: unknown) => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** When the process was spawned (Date.now()): the start of "time to resume". */
  readonly spawnedAt = Date.now();
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };

  private constructor(
    readonly proc: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        // Settled with no value: request() turns that into "child exited".
        for (const settle of this.pending.values()) settle(undefined);
        this.pending.clear();
        resolve({ code, signal });
      }),
    );
    proc.on('message', (msg: ChildMessage) => {
      if (msg.type !== 'reply') return;
      this.pending.get(msg.id)?.(msg.value);
      this.pending.delete(msg.id);
    });
  }

  /** Forks `modulePath` and waits for its `ready` message, which is returned. */
  static async start(modulePath: string, args: string[], opts: ChildOptions): Promise<{ child: Child; ready: Record<string, unknown> }> {
    const fd = fs.openSync(opts.logFile, 'a');
    let proc: ChildProcess;
    try {
      proc = fork(modulePath, args, {
        execPath: opts.execPath ?? process.execPath,
        env: opts.env ?? process.env,
        stdio: ['ignore', fd, fd, 'ipc'],
        // No inherited --inspect or similar; each child is a plain process. --expose-gc lets a worker report the
        // heap it keeps (after a collection), not what it has not collected yet.
        execArgv: ['--expose-gc', ...(opts.execArgv ?? [])],
      });
    } finally {
      fs.closeSync(fd);
    }
    const child = new Child(proc, opts.logFile);
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${modulePath} not ready within ${opts.readyTimeoutMs ?? 120_000} ms; see ${opts.logFile}`)), opts.readyTimeoutMs ?? 120_000);
      proc.on('message', (msg: ChildMessage) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve(msg);
        } else if (msg.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`${modulePath}: ${msg.message}`));
        }
      });
      void child.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${modulePath} exited before it was ready (code ${code}, signal ${signal}); see ${opts.logFile}:\n${tail(opts.logFile)}`));
      });
    });
    return { child, ready };
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Sends a request and resolves with the child's reply. */
  request<T>(type: string, payload: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.alive) return reject(new Error(`child ${this.pid} has exited`));
      this.pending.set(id, (value) => (value === undefined && !this.alive ? reject(new Error(`child ${this.pid} exited`)) : resolve(value as T)));
      this.proc.send({ type, id, ...payload });
    });
  }

  /**
   * Peak resident set size so far, from the kernel's high-water mark (VmHWM), in bytes. Sampling would miss a
   * short peak; the kernel does not.
   */
  peakRssBytes(): number {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) * 1024;
  }

  /** SIGKILL: the process gets no chance to tell the server anything (the crash the recovery bench simulates). */
  async kill(): Promise<void> {
    if (this.alive) this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** Asks the child to stop cleanly; SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.alive) return;
    this.proc.send({ type: 'stop' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

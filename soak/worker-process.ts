/**
 * `durable-agent worker` as a child process, the way an orchestrator runs it: the soak and the crash tests start
 * them, SIGKILL and SIGTERM them, and read what they printed when something went wrong.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../temporal-config/settings';

const CLI = join(projectRoot(), 'dist', 'cli', 'main.js');
/** What the worker prints once it polls: the banner, then the model line. */
const POLLING = /worker polling[^]*\n {2}model .*\n/;
const START_TIMEOUT_MS = 60_000;
/** Enough of the end of a worker's output to explain a failure. */
const KEEP_OUTPUT = 20_000;

export interface WorkerProcessOptions {
  /** For messages: which worker this is. */
  name: string;
  /** The module of agents it serves (`--agents`); none: the shipped examples, as a plain `durable-agent worker`. */
  agents?: string;
  env: NodeJS.ProcessEnv;
  /** Extra CLI arguments, e.g. `['--log-level', 'ERROR']`. */
  args?: string[];
  cwd?: string;
}

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** The end of what it printed, stdout and stderr together. */
  output(): string;
  alive(): boolean;
  /** Resolves when the process has exited (at once if it has). */
  exited: Promise<void>;
  /** Sends `signal` and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** Spawns the worker and resolves once it polls; rejects (and kills it) if it exits first or takes over a minute. */
export async function spawnWorkerProcess(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [CLI, 'worker', ...(opts.agents ? ['--agents', opts.agents] : []), ...(opts.args ?? [])], {
    env: opts.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const worker: WorkerProcess = {
    name: opts.name,
    child,
    output: () => output,
    alive,
    exited,
    stop: async (signal) => {
      if (alive()) child.kill(signal);
      await exited;
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker ${opts.name} did not start within ${START_TIMEOUT_MS / 1000} s:\n${output.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-KEEP_OUTPUT);
      if (POLLING.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker ${opts.name} exited while starting (code ${code}, signal ${signal}):\n${output.slice(-2000)}`));
    });
  });
  return worker;
}

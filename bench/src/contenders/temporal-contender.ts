/**
 * What the three Temporal contenders (b, c, d) share: a worker in a child process (worker-host.ts), runs as
 * workflows started and awaited through a client in the bench process, tool-call marks fetched from the worker.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WorkflowFailedError } from '@temporalio/client';
import { Child } from '../env/child';
import { ContenderUnavailable, type BenchEnv, type Contender, type ContenderId, type RunOutcome, type RunSpec, CONTENDER_LABELS } from './types';
import type { TemporalContenderId, WorkerHostOptions } from './worker-host-options';

export interface StartedWorker {
  child: Child;
  identity: string;
}

/** Numbers worker processes across the whole bench run, so each gets its own log file. */
let workersStarted = 0;

export abstract class TemporalContender implements Contender {
  abstract readonly id: TemporalContenderId & ContenderId;
  abstract readonly taskQueue: string;
  worker?: StartedWorker;

  constructor(protected readonly env: BenchEnv) {}

  get label(): string {
    return CONTENDER_LABELS[this.id];
  }

  /** The Node binary the worker runs under; undefined: the bench's own. */
  protected workerExecPath(): string | undefined {
    return this.env.workerRuntime.execPath;
  }

  /** Starts the workflow of one run and returns its workflow id. */
  abstract startRun(spec: RunSpec): Promise<string>;

  /** A fresh worker process (the previous one, if any, is the caller's to stop or kill). */
  async startWorker(): Promise<StartedWorker> {
    const opts: WorkerHostOptions = {
      contender: this.id,
      address: this.env.address,
      namespace: this.env.namespace,
      taskQueue: this.taskQueue,
      modelUrl: this.env.modelUrl,
      bundleDir: this.env.dirs.bundles,
      durableAgentBundle: this.env.durableAgentBundle,
    };
    const logFile = path.join(this.env.dirs.logs, `worker-${++workersStarted}-${this.id}.log`);
    const execPath = this.workerExecPath();
    const { child, ready } = await Child.start(path.join(__dirname, '..', 'worker-host.js'), [JSON.stringify(opts)], {
      logFile,
      ...(execPath ? { execPath } : {}),
      execArgv: this.env.workerRuntime.execArgv,
      // Payload encryption is off for every contender: none of the others has it, and gzip would shrink history bytes.
      env: withoutKeys(process.env, ['DURABLE_AGENT_PAYLOAD_KEY', 'DURABLE_AGENT_PAYLOAD_OLD_KEYS', 'ANTHROPIC_API_KEY']),
    });
    this.worker = { child, identity: String(ready.identity) };
    return this.worker;
  }

  async start(): Promise<void> {
    await this.startWorker();
  }

  /** Waits for the workflow's result; a failure or termination is an outcome, not an exception. */
  async awaitRun(workflowId: string, spec: RunSpec, startedAt: number): Promise<RunOutcome> {
    const base = { runId: spec.runId, markKey: workflowId };
    try {
      await this.env.client.workflow.getHandle(workflowId).result();
      return { ...base, ok: true, status: 'completed', wallMs: performance.now() - startedAt };
    } catch (err) {
      const wallMs = performance.now() - startedAt;
      const status = (await this.env.client.workflow.getHandle(workflowId).describe()).status.name.toLowerCase();
      const detail = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
      return { ...base, ok: false, status, wallMs, detail };
    }
  }

  async run(spec: RunSpec): Promise<RunOutcome> {
    const startedAt = performance.now();
    const workflowId = await this.startRun(spec);
    return this.awaitRun(workflowId, spec, startedAt);
  }

  async takeMarks(keys: string[]): Promise<Record<string, number[]>> {
    if (!this.worker) throw new ContenderUnavailable(`${this.label}: no worker`);
    return this.worker.child.request('marks', { keys });
  }

  /** Tool calls the current worker has seen so far (progress, for the recovery bench). */
  async toolCalls(): Promise<number> {
    if (!this.worker) return 0;
    return this.worker.child.request('count');
  }

  /** The worker process's RSS and live heap (after a collection), in bytes. */
  async workerMemory(): Promise<{ rss: number; heapUsed: number }> {
    if (!this.worker) throw new ContenderUnavailable(`${this.label}: no worker`);
    return this.worker.child.request('memory');
  }

  async stop(): Promise<void> {
    await this.worker?.child.stop();
    this.worker = undefined;
  }
}

function withoutKeys(env: NodeJS.ProcessEnv, keys: string[]): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const key of keys) delete copy[key];
  return copy;
}

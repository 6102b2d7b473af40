/**
 * The contract between the bench and a worker process (worker-host.ts): what the worker is told, and what a
 * contender's worker module must return.
 */

export type TemporalContenderId = 'b' | 'c' | 'd';

export interface WorkerHostOptions {
  contender: TemporalContenderId;
  address: string;
  namespace: string;
  taskQueue: string;
  /** The scripted model's base URL (no `/v1`). */
  modelUrl: string;
  /** Prebuilt workflow bundles are cached here: a restarted worker starts in about a second, as in production. */
  bundleDir: string;
  /** durable-agent's workflow bundle: the project's (with its interceptor modules), or its workflows alone. */
  durableAgentBundle: DurableAgentBundle;
}

/**
 * `project`: made by the project's own bundler, as its workers are (workflows plus the tracing interceptors).
 * `workflows-only`: `dist/workflows` alone, a diagnostic that shows what the interceptors cost.
 */
export type DurableAgentBundle = 'project' | 'workflows-only';
export const DURABLE_AGENT_BUNDLES: readonly DurableAgentBundle[] = ['project', 'workflows-only'];

export interface HostedWorker {
  /** The identity the worker polls with; history events name it, which is how the recovery bench sees who resumed a run. */
  identity: string;
  run(): Promise<void>;
  shutdown(): void;
}

export type WorkerFactory = (opts: WorkerHostOptions) => Promise<HostedWorker>;

/** Folder of each Temporal contender under contenders/ (its `worker.js` exports `createWorker`). */
export const WORKER_MODULES: Record<TemporalContenderId, string> = {
  b: 'bare-temporal',
  c: 'durable-agent',
  d: 'ai-sdk',
};

/**
 * The worker factory: a worker of its own for the agents, built on DurableAgentPlugin (workers/plugin.ts).
 */
import type { VersioningBehavior } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerDeploymentOptions, type WorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import type { AgentDefinition } from '../agents/define';
import { configFromEnv, type DurableAgentConfig } from '../common/config';
import { WORKER_DEFAULTS } from '../common/defaults';
import { openWorkerConnection } from '../connection/worker-connection';
import type { ModelClientOptions } from './model-client';
import type { BlobStore } from '../stores/blob-store';
import { DurableAgentPlugin } from './plugin';
import type { WorkerTracing } from './tracing';

export interface AgentWorkerOptions {
  agents: AgentDefinition[];
  /**
   * The configuration (common/config.ts): connection, model, store, encryption, payload sizes. Default: read from
   * the environment once, here (`configFromEnv()`). The options below override it.
   */
  config?: DurableAgentConfig;
  /**
   * Default: the configuration's (Temporal's profile and TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE over it,
   * DURABLE_AGENT_TASK_QUEUE). The connection the worker opens uses the configuration's TLS and credentials too.
   */
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /**
   * A connection the application opened itself (and closes itself); the worker then opens none. The namespace is
   * still `namespace`, else the configuration's.
   */
  connection?: NativeConnection;
  model?: ModelClientOptions;
  /** A prebuilt workflow bundle (tests build one and share it); otherwise the worker bundles workflows/. */
  workflowBundle?: WorkflowBundleOption;
  /**
   * How long a workflow task waits on this worker's sticky queue before going to any worker (default 3 s; the
   * SDK's is 10 s): after a worker dies, each of its runs waits this long once before another worker picks it up.
   */
  stickyQueueScheduleToStartTimeoutMs?: number;
  /**
   * Runs kept in this worker's cache (default 100). A cached run's next task needs no replay; an evicted one is
   * replayed from its history (milliseconds for an agent run). Bounds the worker's memory: 1,000 concurrent runs
   * all cached took 4.2 GB (bench/RESULTS.md).
   */
  maxCachedWorkflows?: number;
  /**
   * On SIGTERM/SIGINT (or `worker.shutdown()`), how long in-flight activities may run to completion before they
   * are cancelled (default 20 s): a rolling deploy then finishes the model calls and tool calls it started instead
   * of failing their attempts. Keep it under the platform's kill grace (Kubernetes: 30 s).
   */
  shutdownGraceTimeMs?: number;
  /**
   * The longest the worker holds back an activity's heartbeats before sending one to the server (default 2 s). The
   * SDK sends at most one every 0.8 × the heartbeat timeout, which leaves a live call a fifth of its timeout (1 s of
   * a 5 s timeout) for the heartbeat's round trip to a busy server before it is declared dead and run again. With
   * this cap a live call reports every 2 s and has most of its timeout in hand.
   */
  maxHeartbeatThrottleIntervalMs?: number;
  /**
   * Workflow tasks this worker takes at once (default 10; the SDK's is 40). A task is the server's from the moment
   * it is taken, and the workflow task timeout runs from then: a busy worker with many slots holds tasks it has not
   * begun (each replay of an evicted run costs tens of milliseconds on one thread), so under a large backlog they
   * time out and are run again, and a worker that dies holds that many runs for the timeout. Fewer slots leave the
   * backlog on the server, where any worker can take it.
   */
  maxConcurrentWorkflowTaskExecutions?: number;
  /** OpenTelemetry spans for runs, model steps and tool calls: `startTracing().worker` (workers/tracing.ts). */
  tracing?: WorkerTracing;
  /**
   * Any other `Worker.create` option (a `tuner`, interceptors, more plugins, activities or sinks of the
   * application's): applied over the ones above. An application that wants its own worker whole uses
   * {@link DurableAgentPlugin} instead.
   */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection'>>;
  /**
   * Where conversation segments, large tool outputs and offloaded payloads live. Default: the configuration's store
   * (DURABLE_AGENT_STORE (a local directory unless it names PostgreSQL); every worker and client of a namespace
   * must reach the same one.
   */
  store?: BlobStore;
  /**
   * Worker Versioning (Temporal's Worker Deployments): this worker is build `buildId` of deployment `name`, and
   * takes only the tasks the server routes to that version. Set the current version with
   * `temporal worker deployment set-current-version` once the new build's workers poll (docs/production.md).
   */
  deployment?: { name: string; buildId: string };
  /**
   * How runs started on this build move when a newer one becomes current (default AUTO_UPGRADE): AUTO_UPGRADE
   * moves them to the new build at their next task, which is what agent runs want (they wait days on a person,
   * and new behaviour goes behind `patched()`); PINNED keeps each run on the build it started on, so the old
   * build's workers must run until its runs end. Only with `deployment`.
   */
  versioningBehavior?: VersioningBehavior;
}

/**
 * Creates a worker for the given agents: a `Worker` with {@link DurableAgentPlugin} and the tuning agent runs want
 * (common/defaults.ts). Run it with `worker.run()` (until shutdown) or `worker.runUntil(promise)`. An application
 * with its own worker adds the plugin to it instead (docs/package.md).
 *
 * @example
 * const worker = await createAgentWorker({ agents: [opsAgent] });
 * await worker.run();
 */
export async function createAgentWorker(opts: AgentWorkerOptions): Promise<Worker> {
  const config = opts.config ?? configFromEnv();
  const settings = config.connection;
  const plugin = new DurableAgentPlugin({ agents: opts.agents, config, model: opts.model, store: opts.store, tracing: opts.tracing });
  // A failure here is one line saying why (nothing answering, TLS, refused credentials): TemporalConnectionError.
  const connection = opts.connection ?? (await openWorkerConnection({ ...settings, address: opts.address ?? settings.address }));
  const { plugins = [], ...workerOptions } = opts.workerOptions ?? {};
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: opts.namespace ?? settings.namespace,
      taskQueue: opts.taskQueue ?? settings.taskQueue,
      ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : {}),
      // Defaults: common/defaults.ts, chosen from the measurements in docs/tuning.md.
      shutdownGraceTime: opts.shutdownGraceTimeMs ?? WORKER_DEFAULTS.shutdownGraceTimeMs,
      stickyQueueScheduleToStartTimeout: opts.stickyQueueScheduleToStartTimeoutMs ?? WORKER_DEFAULTS.stickyQueueScheduleToStartTimeoutMs,
      maxCachedWorkflows: opts.maxCachedWorkflows ?? WORKER_DEFAULTS.maxCachedWorkflows,
      maxHeartbeatThrottleInterval: opts.maxHeartbeatThrottleIntervalMs ?? WORKER_DEFAULTS.maxHeartbeatThrottleIntervalMs,
      maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTaskExecutions ?? WORKER_DEFAULTS.maxConcurrentWorkflowTaskExecutions,
      ...deploymentOptions(opts),
      ...workerOptions,
      plugins: [plugin, ...plugins],
    });
  } catch (err) {
    if (!opts.connection) await connection.close().catch(() => undefined);
    await plugin.close().catch(() => undefined);
    throw err;
  }
  // What this function opened (not what the application passed in) is closed when the worker stops, so a process
  // that runs a worker and shuts it down is left with no open socket or pool keeping it alive.
  closeWhenStopped(worker, [() => plugin.close(), ...(opts.connection ? [] : [() => connection.close()])]);
  return worker;
}

/** Wraps `worker.run` (which `runUntil` calls too) to close `resources` once it has returned or thrown. */
function closeWhenStopped(worker: Worker, resources: Array<() => Promise<void>>): void {
  const run = worker.run.bind(worker);
  worker.run = async () => {
    try {
      return await run();
    } finally {
      for (const close of resources) await close().catch(() => undefined);
    }
  };
}

/** The SDK's Worker Deployment options for `deployment` / `versioningBehavior`; a behaviour alone is refused. */
export function deploymentOptions(opts: Pick<AgentWorkerOptions, 'deployment' | 'versioningBehavior'>): { workerDeploymentOptions?: WorkerDeploymentOptions } {
  if (!opts.deployment) {
    if (opts.versioningBehavior) throw new Error('versioningBehavior needs deployment: { name, buildId }');
    return {};
  }
  const { name, buildId } = opts.deployment;
  if (!name.trim() || !buildId.trim()) throw new Error('deployment needs a non-empty name and buildId');
  const behavior = opts.versioningBehavior ?? 'AUTO_UPGRADE';
  if (behavior !== 'AUTO_UPGRADE' && behavior !== 'PINNED') throw new Error(`versioningBehavior must be AUTO_UPGRADE or PINNED (got ${JSON.stringify(behavior)})`);
  return {
    workerDeploymentOptions: { version: { deploymentName: name, buildId }, useWorkerVersioning: true, defaultVersioningBehavior: behavior },
  };
}

export { unprovenApproversWarning } from './plugin';

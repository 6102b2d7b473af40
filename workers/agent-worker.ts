/**
 * The worker factory: registers the agent workflow and every agent's activities on a task queue.
 */
import type { VersioningBehavior } from '@temporalio/common';
import { Runtime, Worker, type NativeConnection, type WorkerDeploymentOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { AgentDefinition } from '../agents/define';
import { AgentRegistry } from '../agents/registry';
import { configFromEnv, encryptionEnv, type DurableAgentConfig } from '../common/config';
import { requiresProof } from '../common/approval-proof';
import { WORKER_DEFAULTS } from '../common/defaults';
import { openWorkerConnection } from '../connection/worker-connection';
import { createModelClient, type ModelClientOptions } from './model-client';
import { payloadCodecs } from '../data-converter/keys-from-env';
import type { BlobStore } from '../stores/blob-store';
import { openBlobStore, storeConfigFrom } from '../stores/config';
import { withPayloadEncryption } from '../stores/encrypted-store';
import { externalStorage } from '../stores/temporal-storage-driver';
import type { WorkerTracing } from './tracing';
import { DROP_WORKFLOW_SPANS, FAILURE_CONVERTER_PATH, WORKFLOWS_PATH, workflowModules } from './workflow-bundle';

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
 * Creates a worker for the given agents. Run it with `worker.run()` (until shutdown) or `worker.runUntil(promise)`.
 *
 * @example
 * const worker = await createAgentWorker({ agents: [opsAgent] });
 * await worker.run();
 */
export async function createAgentWorker(opts: AgentWorkerOptions): Promise<Worker> {
  const config = opts.config ?? configFromEnv();
  const settings = config.connection;
  const registry = new AgentRegistry(opts.agents);
  const model = createModelClient(opts.model, config.model);
  const keys = encryptionEnv(config.encryption);
  const store = opts.store ?? withPayloadEncryption(await openBlobStore(storeConfigFrom(config.store)), keys);
  // A failure here is one line saying why (nothing answering, TLS, refused credentials): TemporalConnectionError.
  const connection = opts.connection ?? (await openWorkerConnection({ ...settings, address: opts.address ?? settings.address }));
  const unproven = unprovenApproversWarning(opts.agents, opts.namespace ?? settings.namespace);
  if (unproven && !warned.has(unproven)) {
    warned.add(unproven);
    Runtime.instance().logger.warn(unproven);
  }
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace ?? settings.namespace,
    taskQueue: opts.taskQueue ?? settings.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({
      registry,
      anthropic: model.anthropic,
      scripted: model.scripted,
      store,
      payloads: config.payloads,
      modelOverride: config.model.modelOverride,
    }),
    interceptors: {
      // A prebuilt bundle already has them, or not (workers/workflow-bundle.ts); naming them again only draws a
      // warning. A worker that bundles for itself includes them only if it traces: they slow replay and cost memory.
      ...(opts.workflowBundle ? {} : { workflowModules: workflowModules(Boolean(opts.tracing)) }),
      activity: opts.tracing?.activityInterceptors ?? [],
    },
    // A traced bundle (a prebuilt one, say) makes workflow spans; without tracing they go to a sink that drops them.
    sinks: opts.tracing?.sinks ?? DROP_WORKFLOW_SPANS,
    // Same codecs as the client: payloads are encrypted before they leave the process. Payloads over the offload
    // threshold (a long run's carried trace, a big prompt) go to the store, and history keeps a reference.
    dataConverter: {
      payloadCodecs: payloadCodecs(keys),
      externalStorage: externalStorage(store, { thresholdBytes: config.payloads.offloadBytes }),
      // Failure messages and stacks are payloads too, so the codec encrypts them (a bundle carries the same one).
      failureConverterPath: FAILURE_CONVERTER_PATH,
    },
    // Defaults: common/defaults.ts, chosen from the measurements in docs/tuning.md.
    shutdownGraceTime: opts.shutdownGraceTimeMs ?? WORKER_DEFAULTS.shutdownGraceTimeMs,
    stickyQueueScheduleToStartTimeout: opts.stickyQueueScheduleToStartTimeoutMs ?? WORKER_DEFAULTS.stickyQueueScheduleToStartTimeoutMs,
    maxCachedWorkflows: opts.maxCachedWorkflows ?? WORKER_DEFAULTS.maxCachedWorkflows,
    maxHeartbeatThrottleInterval: opts.maxHeartbeatThrottleIntervalMs ?? WORKER_DEFAULTS.maxHeartbeatThrottleIntervalMs,
    maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTaskExecutions ?? WORKER_DEFAULTS.maxConcurrentWorkflowTaskExecutions,
    ...deploymentOptions(opts),
  });
  // What this function opened (not what the application passed in) is closed when the worker stops, so a process
  // that runs a worker and shuts it down is left with no open socket or pool keeping it alive.
  const owned = [...(opts.store ? [] : [() => store.close()]), ...(opts.connection ? [] : [() => connection.close()])];
  if (owned.length > 0) closeWhenStopped(worker, owned);
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

/** Each warning once per process, however many workers it creates. */
const warned = new Set<string>();

/**
 * What the worker says at start when an agent takes `by` as written: without approver keys, a resolution's name is
 * a claim any client of the namespace can make (docs/security.md).
 */
export function unprovenApproversWarning(agents: AgentDefinition[], namespace: string): string | undefined {
  const open = agents.filter((a) => !requiresProof(a.approverKeys)).map((a) => a.name);
  if (open.length === 0) return undefined;
  return (
    `agent${open.length === 1 ? '' : 's'} ${open.join(', ')} ${open.length === 1 ? 'has' : 'have'} no approver keys: anyone with write ` +
    `access to namespace "${namespace}" can resolve ${open.length === 1 ? 'its' : 'their'} escalations as anyone (see docs/security.md)`
  );
}

/**
 * durable-agent as a Temporal plugin (`@temporalio/plugin`'s SimplePlugin): an application that builds its own
 * `Worker` and `Client` adds the agents to them, next to its own workflows and activities, with every option of
 * theirs (tuner, interceptors, deployment, sinks) left to it.
 *
 * What the plugin adds:
 * - worker: each agent's activities (`agent.*`, `model.call`, `tool.<name>`), the agent workflow when the worker
 *   names no workflows of its own (an application that does re-exports `durable-agent/workflows` from its workflows
 *   file), the tracing interceptor modules when it traces (ours, in place of the OpenTelemetryPlugin's: docs/trace.md),
 *   and the `exporter` sink the workflow's spans leave by;
 * - worker, replay worker and client: the data converter's pieces durable-agent's payloads need: the payload codec
 *   (encryption, when a key is configured), External Storage in the blob store (a long run's offloaded payloads),
 *   and the failure converter that encodes failure text;
 * - client: the OpenTelemetry interceptors that label a run's StartWorkflow span.
 *
 * It sets none of the worker's tuning: that is the application's worker (common/defaults.ts has ours, which
 * `createAgentWorker` uses, and docs/tuning.md why).
 */
import type { ClientOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { SimplePlugin } from '@temporalio/plugin';
import { Runtime, type BundleOptions, type ReplayWorkerOptions, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { AgentDefinition } from '../agents/define';
import { AgentRegistry } from '../agents/registry';
import { runLabelsInterceptors, tracingInterceptors } from '../client/tracing';
import { requiresProof } from '../common/approval-proof';
import { configFromEnv, encryptionEnv, type DurableAgentConfig } from '../common/config';
import { payloadCodecs } from '../data-converter/keys-from-env';
import type { BlobStore } from '../stores/blob-store';
import { storeConfigFrom } from '../stores/config';
import { DeferredBlobStore } from '../stores/deferred-store';
import { withPayloadEncryption } from '../stores/encrypted-store';
import { externalStorage } from '../stores/temporal-storage-driver';
import { createModelClient, type ModelClientOptions } from './model-client';
import { metricsSink } from './metrics-sink';
import type { WorkerTracing } from './tracing';
import {
  FAILURE_CONVERTER_PATH,
  SILENT_SINKS,
  TEMPORAL_TRACING_MODULE,
  WORKFLOW_INTERCEPTOR_MODULES,
  WORKFLOWS_PATH,
} from './workflow-bundle';

export interface DurableAgentPluginOptions {
  /** The agents this worker runs. A plugin only for clients may name none. */
  agents?: AgentDefinition[];
  /**
   * The configuration (common/config.ts): model, store, encryption, payload sizes. Default: read from the
   * environment once, here (`configFromEnv()`). The connection settings in it are not used: the application's
   * worker and client have their own connection.
   */
  config?: DurableAgentConfig;
  model?: ModelClientOptions;
  /**
   * Where conversation segments, large tool outputs and offloaded payloads live; every worker and client of the
   * namespace must reach the same one. Default: the configuration's (DURABLE_AGENT_STORE), opened at the worker's
   * start or the client's first use, and closed by {@link DurableAgentPlugin.close}.
   */
  store?: BlobStore;
  /** OpenTelemetry for runs, model steps and tool calls: `startTracing().worker` (durable-agent/worker). */
  tracing?: WorkerTracing;
}

/** The name Temporal shows for this plugin (worker heartbeats, the SDK's logs). */
export const PLUGIN_NAME = 'durable-agent';

/**
 * @example
 * const agents = new DurableAgentPlugin({ agents: [opsAgent] });
 * const worker = await Worker.create({
 *   connection, taskQueue: 'orders',
 *   workflowsPath: require.resolve('./workflows'), // which has `export * from 'durable-agent/workflows'`
 *   activities: myActivities, tuner: myTuner,
 *   plugins: [agents],
 * });
 * await worker.run();
 * await agents.close();
 */
export class DurableAgentPlugin extends SimplePlugin {
  /** The store the activities and External Storage use (the one given, or the configured one, opened on first use). */
  readonly store: BlobStore;
  private readonly ownsStore: boolean;
  private readonly agents: AgentDefinition[];

  constructor(opts: DurableAgentPluginOptions = {}) {
    const config = opts.config ?? configFromEnv();
    const keys = encryptionEnv(config.encryption);
    const agents = opts.agents ?? [];
    const store = opts.store ?? new DeferredBlobStore(storeConfigFrom(config.store), (opened) => withPayloadEncryption(opened, keys));
    // Built when a worker is configured, not before: a client-only plugin needs no model, and no key for one.
    const activities = () => {
      const model = createModelClient(opts.model, config.model);
      return createActivities({
        registry: new AgentRegistry(agents),
        anthropic: model.anthropic,
        scripted: model.scripted,
        store,
        payloads: config.payloads,
        modelOverride: config.model.modelOverride,
      });
    };
    const converter: Partial<DataConverter> = {
      payloadCodecs: payloadCodecs(keys),
      // Payloads over the threshold (a long run's carried trace, a big prompt) go to the store; history keeps a
      // reference. Failure messages and stacks are payloads too, so the codec encrypts them.
      externalStorage: externalStorage(store, { thresholdBytes: config.payloads.offloadBytes }),
      failureConverterPath: FAILURE_CONVERTER_PATH,
    };
    const tracing = opts.tracing;
    super({
      name: PLUGIN_NAME,
      dataConverter: (existing) => mergeDataConverter(existing, converter),
      // Traced: Temporal's OpenTelemetryPlugin (applied first, below) brings its client interceptor, and ours go
      // inside it. Not traced: both, on the OpenTelemetry API alone, so a process with an SDK of its own gets spans.
      clientInterceptors: tracing ? runLabelsInterceptors() : tracingInterceptors(),
      activities: (existing) => ({ ...(existing ?? {}), ...activities() }),
      workerInterceptors: {
        workflowModules: tracing ? [...WORKFLOW_INTERCEPTOR_MODULES] : [],
        activity: tracing?.activityInterceptors ?? [],
      },
      // The store opens before the worker polls, so a store that cannot open fails the start in one line rather
      // than the first run's first offloaded payload.
      runContext: async (next) => {
        if (store instanceof DeferredBlobStore) await store.open();
        await next();
      },
    });
    this.store = store;
    this.ownsStore = !opts.store;
    this.agents = agents;
    this.tracing = tracing;
    // The counters' sink is the worker's (workers/metrics-sink.ts); spans go to the tracing's, or nowhere.
    this.sinks = { ...metricsSink(), exporter: tracing?.sinks.exporter ?? SILENT_SINKS.exporter };
  }

  private readonly tracing: WorkerTracing | undefined;
  private readonly sinks: NonNullable<WorkerOptions['sinks']>;

  override configureClient(options: ClientOptions): ClientOptions {
    return super.configureClient(this.tracing ? this.tracing.plugin.configureClient(options) : options);
  }

  // Each of these applies Temporal's OpenTelemetryPlugin first when tracing, so its interceptors are the outer ones
  // and ours run inside its spans; the workflows are set before, since it adds its workflow module only to a worker
  // that bundles from a path. That module is then swapped for ours (workflows/workflow-spans.ts): the same spans,
  // without OpenTelemetry's SDK in every cached run.
  override configureWorker(options: WorkerOptions): WorkerOptions {
    warnOfUnprovenApprovers(this.agents, options.namespace ?? 'default');
    const withWorkflows = withAgentWorkflows(options);
    const traced = this.tracing ? this.tracing.plugin.configureWorker(withWorkflows) : withWorkflows;
    return this.withSinks(withoutTemporalWorkflowModule(super.configureWorker(traced)));
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const withWorkflows = withAgentWorkflows(options);
    const traced = this.tracing ? this.tracing.plugin.configureReplayWorker(withWorkflows) : withWorkflows;
    return this.withSinks(withoutTemporalWorkflowModule(super.configureReplayWorker(traced)));
  }

  /** A bundle made with this plugin (`bundleWorkflowCode({ plugins })`) carries what a worker would add itself. */
  override configureBundler(options: BundleOptions): BundleOptions {
    const defaults = {
      ...options,
      workflowsPath: options.workflowsPath ?? WORKFLOWS_PATH,
      failureConverterPath: options.failureConverterPath ?? FAILURE_CONVERTER_PATH,
    };
    const traced = this.tracing ? this.tracing.plugin.configureBundler(defaults) : defaults;
    const bundle = super.configureBundler(traced);
    // A worker that bundles for itself passes the modules it was configured with, and its plugins append theirs
    // again: each once, in the order first named; Temporal's tracing module is replaced by ours when we trace.
    const modules = new Set(bundle.workflowInterceptorModules ?? []);
    if (this.tracing) modules.delete(TEMPORAL_TRACING_MODULE);
    return { ...bundle, workflowInterceptorModules: [...modules] };
  }

  /** Closes the store if the plugin opened it (a PostgreSQL pool keeps a process alive). Call once workers stop. */
  async close(): Promise<void> {
    if (this.ownsStore) await this.store.close();
  }

  /**
   * The workflow's spans leave the sandbox through `exporter`, its counters through `durableAgentMetrics`. Traced,
   * ours replaces the OpenTelemetryPlugin's exporter, which copies the whole WorkflowInfo (the memo too) onto
   * every span; not traced, a worker that already has an `exporter` (its own OpenTelemetry) keeps it.
   */
  private withSinks<T extends WorkerOptions | ReplayWorkerOptions>(options: T): T {
    return { ...options, sinks: this.tracing ? { ...options.sinks, ...this.sinks } : { ...this.sinks, ...options.sinks } };
  }
}

/**
 * The OpenTelemetryPlugin's workflow module taken out again: ours, in the list after it, makes the same spans. Only
 * a traced plugin lists a spans module of its own, so an untraced one leaves an application's tracing alone.
 */
function withoutTemporalWorkflowModule<T extends WorkerOptions | ReplayWorkerOptions>(options: T): T {
  const modules = options.interceptors?.workflowModules;
  if (!modules?.includes(TEMPORAL_TRACING_MODULE) || !modules.includes(WORKFLOW_INTERCEPTOR_MODULES[0] as string)) return options;
  return { ...options, interceptors: { ...options.interceptors, workflowModules: modules.filter((m) => m !== TEMPORAL_TRACING_MODULE) } };
}

/** Our workflows unless the worker names its own (which then must export ours too) or brings a bundle. */
function withAgentWorkflows<T extends WorkerOptions | ReplayWorkerOptions>(options: T): T {
  if (options.workflowsPath || options.workflowBundle) return options;
  return { ...options, workflowsPath: WORKFLOWS_PATH };
}

/**
 * The application's converter with ours added. Codecs: the application's, then ours. External Storage and the
 * failure converter cannot be two: an application with its own is refused, since the runs' offloaded payloads
 * would be unreadable and their failure text unencrypted.
 */
export function mergeDataConverter(existing: DataConverter | undefined, ours: Partial<DataConverter>): DataConverter {
  for (const key of ['externalStorage', 'failureConverterPath'] as const) {
    const theirs = existing?.[key];
    if (theirs !== undefined && theirs !== ours[key]) {
      throw new Error(`durable-agent's plugin needs its own dataConverter.${key}; this worker or client already has one (see docs/package.md)`);
    }
  }
  return {
    ...existing,
    ...ours,
    payloadCodecs: [...(existing?.payloadCodecs ?? []), ...(ours.payloadCodecs ?? [])],
  };
}

/** Each warning once per process, however many workers it creates. */
const warned = new Set<string>();

function warnOfUnprovenApprovers(agents: AgentDefinition[], namespace: string): void {
  const warning = unprovenApproversWarning(agents, namespace);
  if (!warning || warned.has(warning)) return;
  warned.add(warning);
  Runtime.instance().logger.warn(warning);
}

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

/**
 * What goes into the workflow bundle: the workflows and, for a worker that traces, the workflow interceptor modules.
 * Every bundle, whether the worker makes it at start or it is prebuilt (`DURABLE_AGENT_WORKFLOW_BUNDLE`, the tests'
 * shared bundle), is made from these.
 *
 * The interceptors issue no command, so a run replays the same with or without them (test/replay.test.ts replays
 * every committed history with both bundles), and traced and untraced workers can share a task queue. They are
 * not free: each cached run holds its own OpenTelemetry tracer provider, and a replay takes about 1.7 times as long
 * (bench/RESULTS.md), which is why a worker that does not trace leaves them out.
 */
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { MetricsSinks } from '../workflows/metrics';
import { bundleWorkflowCode, type BundleOptions, type InjectedSinks, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** The bundle's entry: every workflow type the worker registers. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Failures with their message and stack as encoded payloads (data-converter/failure-converter.ts). */
export const FAILURE_CONVERTER_PATH = require.resolve('../data-converter/failure-converter');

/**
 * Temporal's workflow tracing interceptors (the run's, activities', signals', updates' spans), the module
 * Temporal's OpenTelemetryPlugin adds to a worker that bundles for itself.
 */
export const TEMPORAL_TRACING_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** Ours, inside Temporal's: the run's labels and the GenAI attributes on its spans, and the approval spans. */
export const RUN_LABELS_MODULE = require.resolve('../workflows/tracing-interceptors');

/**
 * The workflow interceptor modules of a traced bundle, outermost first. A worker given a prebuilt bundle ignores
 * `interceptors.workflowModules`: they must be in the bundle, which is why bundles are made through
 * {@link bundleAgentWorkflows}.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [TEMPORAL_TRACING_MODULE, RUN_LABELS_MODULE];

/**
 * The sinks a worker of these bundles needs when it neither traces nor exports counters, as a replay worker without
 * DurableAgentPlugin (`Worker.runReplayHistories({ workflowBundle, sinks: SILENT_SINKS }, ...)`): the workflow's
 * spans leave the sandbox through `exporter` and its counters through `durableAgentMetrics`, and a worker without
 * those sinks logs an error for each call. These drop them. (DurableAgentPlugin gives every worker the live ones.)
 */
export const SILENT_SINKS: InjectedSinks<OpenTelemetrySinks & MetricsSinks> = {
  exporter: { export: { fn: () => undefined } },
  durableAgentMetrics: { add: { fn: () => undefined } },
};

/**
 * Bundles the workflow code once, for workers started with a prebuilt bundle (they start in a second instead of
 * running webpack).
 *
 * @example
 * const { code } = await bundleAgentWorkflows();
 * writeFileSync('workflow-bundle.js', code); // then DURABLE_AGENT_WORKFLOW_BUNDLE=workflow-bundle.js durable-agent worker
 */
export function bundleAgentWorkflows(
  opts: Pick<BundleOptions, 'logger'> & { /** With the tracing interceptors (default true). */ traced?: boolean } = {},
): Promise<WorkflowBundleWithSourceMap> {
  const { traced = true, ...rest } = opts;
  return bundleWorkflowCode({
    ...rest,
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: workflowModules(traced),
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
}

/** The interceptor modules a bundle carries: the tracing ones for a worker that traces, none otherwise. */
export function workflowModules(traced: boolean): string[] {
  return traced ? [...WORKFLOW_INTERCEPTOR_MODULES] : [];
}

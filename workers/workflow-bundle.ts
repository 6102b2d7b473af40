/**
 * What goes into the workflow bundle: the workflows and, for a worker that traces, the workflow interceptor modules.
 * Every bundle, whether the worker makes it at start or it is prebuilt (`DURABLE_AGENT_WORKFLOW_BUNDLE`, the tests'
 * shared bundle), is made from these.
 *
 * The interceptors issue no command, so a run replays the same with or without them (test/replay.test.ts replays
 * every committed history with both bundles), and traced and untraced workers can share a task queue. Since issue
 * 15 §2 they cost little (a traced replay within 1.2 times an untraced one, a few kilobytes per cached run; docs/trace.md),
 * but a worker that does not trace still leaves them out.
 */
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { MetricsSinks } from '../workflows/metrics';
import { bundleWorkflowCode, type BundleOptions, type InjectedSinks, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** The bundle's entry: every workflow type the worker registers. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Failures with their message and stack as encoded payloads (data-converter/failure-converter.ts). */
export const FAILURE_CONVERTER_PATH = require.resolve('../data-converter/failure-converter');

/**
 * Temporal's workflow tracing interceptors, the module Temporal's OpenTelemetryPlugin adds to a worker that bundles
 * for itself. Not in our bundles: DurableAgentPlugin puts {@link WORKFLOW_SPANS_MODULE} in its place, since it
 * builds OpenTelemetry's SDK in every cached run (docs/trace.md).
 */
export const TEMPORAL_TRACING_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * The workflow's spans (the run's, activities', signals', updates'): Temporal's interceptors over a tracer of ours
 * that needs only the OpenTelemetry API (workflows/workflow-spans.ts, workflows/workflow-tracer.ts).
 */
export const WORKFLOW_SPANS_MODULE = require.resolve('../workflows/workflow-spans');

/** Ours, inside those: the run's labels and the GenAI attributes on its spans, and the approval spans. */
export const RUN_LABELS_MODULE = require.resolve('../workflows/tracing-interceptors');

/**
 * The workflow interceptor modules of a traced bundle, outermost first. A worker given a prebuilt bundle ignores
 * `interceptors.workflowModules`: they must be in the bundle, which is why bundles are made through
 * {@link bundleAgentWorkflows}.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [WORKFLOW_SPANS_MODULE, RUN_LABELS_MODULE];

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

/**
 * What goes into the workflow bundle: the workflows and the workflow interceptor modules. Every bundle, whether the
 * worker makes it at start or it is prebuilt (`DURABLE_AGENT_WORKFLOW_BUNDLE`, the tests' shared bundle), is made
 * from these, so all of them replay the same way and all of them can emit spans.
 */
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { bundleWorkflowCode, type BundleOptions, type InjectedSinks, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** The bundle's entry: every workflow type the worker registers. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Workflow interceptor modules. A worker given a prebuilt bundle ignores `interceptors.workflowModules`: they
 * must be in the bundle, which is why bundles are made through {@link bundleAgentWorkflows}.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [require.resolve('../workflows/tracing-interceptors')];

/**
 * The sink every worker of these bundles needs when it does not trace, replay workers included
 * (`Worker.runReplayHistories({ workflowBundle, sinks: DROP_WORKFLOW_SPANS }, ...)`): the workflow's spans leave
 * the sandbox through `exporter`, and a worker without that sink logs an error for each span. This one drops them.
 */
export const DROP_WORKFLOW_SPANS: InjectedSinks<OpenTelemetrySinks> = { exporter: { export: { fn: () => undefined } } };

/**
 * Bundles the workflow code once, for workers started with a prebuilt bundle (they start in a second instead of
 * running webpack).
 *
 * @example
 * const { code } = await bundleAgentWorkflows();
 * writeFileSync('workflow-bundle.js', code); // then DURABLE_AGENT_WORKFLOW_BUNDLE=workflow-bundle.js durable-agent worker
 */
export function bundleAgentWorkflows(opts: Pick<BundleOptions, 'logger'> = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    ...opts,
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
  });
}

/**
 * The client's OpenTelemetry interceptors: Temporal's (a `StartWorkflow:agentWorkflow` span, whose context travels
 * to the workflow in a header, so the run's spans are its children), plus one that labels that span with the
 * run's correlation id and agent (ours and the GenAI conventions' names: common/gen-ai-attributes.ts).
 *
 * Installed on every client: they use only the OpenTelemetry API, which does nothing until the process registers
 * an SDK (`startTracing()` in workers/tracing.ts, or a service's own). A process that traces gets the spans; one
 * that does not pays nothing but an empty header.
 */
import { trace } from '@opentelemetry/api';
import type { ClientInterceptors, Next, WorkflowClientInterceptor, WorkflowStartInput, WorkflowStartOutput } from '@temporalio/client';
// Not the package's index: that one loads the worker plugin, which a client does not need.
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { genAiRunAttributes } from '../common/gen-ai-attributes';
import { runSpanAttributes } from '../common/span-attributes';

/** Inside Temporal's interceptor: its StartWorkflow span is the active one. */
class RunAttributesClientInterceptor implements WorkflowClientInterceptor {
  startWithDetails(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'startWithDetails'>): Promise<WorkflowStartOutput> {
    const run = runSpanAttributes(input.options.args[0]);
    trace.getActiveSpan()?.setAttributes({ ...run, ...genAiRunAttributes(run) });
    return next(input);
  }
}

/** For `new Client({ interceptors: tracingInterceptors() })`. */
export function tracingInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor(), ...runLabelsInterceptors().workflow] };
}

/** Ours alone, for a client that already has Temporal's (its OpenTelemetryPlugin's), after it: inside its span. */
export function runLabelsInterceptors(): ClientInterceptors & { workflow: WorkflowClientInterceptor[] } {
  return { workflow: [new RunAttributesClientInterceptor()] };
}

/**
 * The workflow interceptor module for OpenTelemetry, included in every workflow bundle
 * (workers/workflow-bundle.ts): Temporal's interceptors make a span for the run (`RunWorkflow:agentWorkflow`), for
 * each activity it schedules (`StartActivity:model.call`, `StartActivity:tool.<name>`) and for each signal, update
 * and query it handles; ours label those spans with the run's correlation id and agent (and, for activities, the
 * model step and the tool).
 *
 * Replay-safe: spans leave the sandbox only through the `exporter` sink, which Temporal does not call while
 * replaying, and nothing here changes a command. A worker without tracing gets a sink that drops the spans.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  QueryInput,
  SignalInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { activitySpanAttributes, runSpanAttributes, type SpanAttributes } from '../common/span-attributes';

// Module state is per workflow execution: the bundle's modules are instantiated once per run in the sandbox.
let runAttributes: SpanAttributes = {};

/** Sets the run's attributes (and any extra) on the span Temporal's interceptor has just made active. */
function label(extra: SpanAttributes = {}): void {
  trace.getActiveSpan()?.setAttributes({ ...runAttributes, ...extra });
}

/** Inside Temporal's inbound interceptor, so the active span is the one it opened for the call. */
class RunAttributesInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    runAttributes = runSpanAttributes(input.args[0]);
    label();
    // As baggage, the run's attributes travel in each activity's trace context (Temporal's `_tracer-data` header),
    // so the worker labels the activity's span with them whatever the activity's own arguments are.
    const entries = Object.entries(runAttributes).map(([key, value]) => [key, { value: String(value) }] as const);
    const baggage = propagation.createBaggage(Object.fromEntries(entries));
    return context.with(propagation.setBaggage(context.active(), baggage), () => next(input));
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    label();
    return next(input);
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    label();
    return next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    label();
    next(input);
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    label();
    return next(input);
  }
}

/** Inside Temporal's outbound interceptor: labels the `StartActivity` span it opened. */
class ActivityAttributesOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    label(activitySpanAttributes(input.activityType, input.args));
    return next(input);
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    label(activitySpanAttributes(input.activityType, input.args));
    return next(input);
  }
}

/** Loaded by the bundle: the first interceptor in each list is the outermost. */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor(), new RunAttributesInbound()],
  outbound: [new OpenTelemetryOutboundInterceptor(), new ActivityAttributesOutbound()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});

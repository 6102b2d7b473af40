/**
 * Our workflow interceptor module for OpenTelemetry, in every traced bundle after the spans module
 * (workers/workflow-bundle.ts; workflows/workflow-spans.ts, Temporal's interceptors over our tracer): those make a
 * span for the run (`RunWorkflow:agentWorkflow`), for each activity it schedules (`StartActivity:model.call`,
 * `StartActivity:tool.<name>`) and for each signal, update and query it handles; ours, inside them, label those spans with the run's correlation id and agent (and, for activities, the
 * model step and the tool), in our `durable_agent.*` names and in OpenTelemetry's GenAI conventions
 * (common/gen-ai-attributes.ts). Temporal's interceptors name the spans; we leave the names as they are.
 *
 * Replay-safe: spans leave the sandbox only through the `exporter` sink, which Temporal does not call while
 * replaying, and nothing here changes a command. A worker without tracing gets a sink that drops the spans.
 */
import { context, propagation, trace, type Span } from '@opentelemetry/api';
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
import {
  chatResultAttributes,
  ERROR_TYPE,
  errorType,
  GEN_AI,
  genAiRunAttributes,
  invokeAgentAttributes,
  operationAttributes,
} from '../common/gen-ai-attributes';
import { toolCallScheduled } from './approval-span';

// Module state is per workflow execution: the bundle's modules are instantiated once per run in the sandbox.
let runAttributes: SpanAttributes = {};
/** The run's span (`RunWorkflow:agentWorkflow`, the `invoke_agent` operation), for what is learnt later. */
let runSpan: Span | undefined;

/** Sets the run's attributes (and any extra) on the span Temporal's interceptor has just made active. */
function label(extra: SpanAttributes = {}): void {
  trace.getActiveSpan()?.setAttributes({ ...runAttributes, ...genAiRunAttributes(runAttributes), ...extra });
}

/** Inside Temporal's inbound interceptor, so the active span is the one it opened for the call. */
class RunAttributesInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    runAttributes = runSpanAttributes(input.args[0]);
    runSpan = trace.getActiveSpan();
    label(invokeAgentAttributes(runAttributes));
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

/**
 * Inside Temporal's outbound interceptor: labels the `StartActivity` span it opened. That span covers the model
 * step or tool call from scheduling to its result, retries included, so it is the one that carries the GenAI
 * operation (`chat`, `execute_tool`): one per step or call, however many attempts it took.
 */
class ActivityAttributesOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const operation = operationAttributes(input.activityType, input.args);
    label({ ...activitySpanAttributes(input.activityType, input.args), ...operation });
    const span = trace.getActiveSpan();
    const model = operation[GEN_AI.requestModel];
    if (model !== undefined) runSpan?.setAttribute(GEN_AI.requestModel, model);
    const toolUseId = operation[GEN_AI.toolCallId];
    if (typeof toolUseId === 'string') toolCallScheduled(toolUseId, span);
    const result = next(input);
    // Beside the workflow's own chain, not in it: an extra `await` here would move when the workflow resumes.
    void result.then(
      (output) => {
        if (operation[GEN_AI.operation] === 'chat') span?.setAttributes(chatResultAttributes(output));
      },
      (err: unknown) => span?.setAttribute(ERROR_TYPE, errorType(err)),
    );
    return result;
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    label(activitySpanAttributes(input.activityType, input.args));
    return next(input);
  }
}

/**
 * Loaded by the bundle after the spans module: interceptors of earlier modules are the outer ones, so its span is
 * the active one when ours run.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new RunAttributesInbound()],
  outbound: [new ActivityAttributesOutbound()],
});

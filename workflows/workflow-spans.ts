/**
 * The workflow's OpenTelemetry spans, in every traced bundle (workers/workflow-bundle.ts) before our labels
 * (workflows/tracing-interceptors.ts): a span for the run (`RunWorkflow:agentWorkflow`), for each activity, child
 * workflow, signal or continue-as-new it starts (`StartActivity:model.call`, ...) with its context in the call's
 * `_tracer-data` header, and for each signal, update and query it handles, under its caller's context.
 *
 * These are Temporal's workflow interceptors (`@temporalio/interceptors-opentelemetry` 1.24.0,
 * `lib/workflow/index.js`), method for method: the same span names, parents, attributes, statuses and headers
 * (Temporal's header codec), the same SDK flags consulted, and `next` called at the same point, synchronously,
 * so every command is issued where it was. Two things are ours: the tracer (workflows/workflow-tracer.ts), since
 * Temporal's builds OpenTelemetry's SDK in every cached run, and `instrument` below, which makes one promise per
 * span instead of about ten. Together they made a traced replay 1.45 times as long as an untraced one (docs/trace.md).
 * DurableAgentPlugin puts this module in place of Temporal's in a worker that traces.
 *
 * With fewer promises, a result reaches the workflow code in fewer microtask turns than through Temporal's module,
 * and in more than through none. Both ends replay every committed history (test/replay.test.ts replays them on
 * this bundle and on the untraced one; they were recorded through Temporal's), as traced and untraced workers
 * already share task queues.
 *
 * Replay-safe as Temporal's is: no command is issued or changed, and spans leave the sandbox only through the
 * `exporter` sink, which is not called while history replays.
 */
import { context as otelContext, isSpanContextValid, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import {
  extractContextFromHeaders,
  headersWithContext,
  instrumentSync,
  nexusHeadersWithContext,
  NEXUS_ENDPOINT_ATTR_KEY,
  NEXUS_OPERATION_ATTR_KEY,
  NEXUS_SERVICE_ATTR_KEY,
  UPDATE_ID_ATTR_KEY,
} from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { SPAN_DELIMITER, SpanName } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import {
  ContinueAsNew,
  workflowInfo,
  type ActivityInput,
  type ContinueAsNewInput,
  type DisposeInput,
  type GetLogAttributesInput,
  type GetMetricTagsInput,
  type LocalActivityInput,
  type Next,
  type QueryInput,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type StartNexusOperationInput,
  type StartNexusOperationOutput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { SdkFlags, type SdkFlag } from '@temporalio/workflow/lib/flags';
import { getActivator } from '@temporalio/workflow/lib/global-attributes';
import { disposeWorkflowTracer, workflowTracer } from './workflow-tracer';

/**
 * Whether a behaviour of Temporal's interceptors was on when this part of the history was made. The SDK records the
 * flag the first time it is asked outside replay, so a history made under Temporal's module replays the same here.
 */
const flag = (f: SdkFlag) => getActivator().hasFlag(f);

/** Before SDK 1.13.2 the interceptors yielded once before calling on; a history made then gets the same yield. */
const oldYield = () => !flag(SdkFlags.OpenTelemetryInterceporsAvoidsExtraYields);

interface InstrumentOptions<T> {
  tracer: Tracer;
  spanName: string;
  fn: (span: Span) => Promise<T>;
  context?: Context;
  acceptableErrors?: (err: unknown) => boolean;
}

/**
 * Temporal's `instrument` (lib/instrumentation.js), with one promise where it makes about ten. The span is opened
 * and `fn` called synchronously, inside the span's context, as there, so a command is issued at the same point of
 * the activation; the span ends when `fn`'s promise settles, OK, or with the error as Temporal's sets it. Fewer
 * promises matter because the SDK captures a stack trace for every promise made in the sandbox (for the
 * `__stack_trace` query): those captures were most of what tracing added to a replay.
 */
function instrument<T>({ tracer, spanName, fn, context, acceptableErrors }: InstrumentOptions<T>): Promise<T> {
  const parent = context ?? otelContext.active();
  const span = tracer.startSpan(spanName, undefined, parent);
  let result: Promise<T>;
  try {
    result = otelContext.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (err) {
    result = Promise.reject(err);
  }
  return result.then(
    (value) => {
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
      return value;
    },
    (err: unknown) => {
      recordError(span, err, acceptableErrors);
      span.end();
      throw err;
    },
  );
}

/** As Temporal's: a benign ApplicationFailure leaves the status unset, an acceptable error (ContinueAsNew) is OK. */
function recordError(span: Span, err: unknown, acceptableErrors?: (err: unknown) => boolean): void {
  if (acceptableErrors?.(err)) {
    span.setStatus({ code: SpanStatusCode.OK });
    return;
  }
  const benign = err instanceof ApplicationFailure && err.category === ApplicationFailureCategory.BENIGN;
  const message = err != null && typeof (err as Error).message === 'string' ? (err as Error).message : String(err);
  span.setStatus({ code: benign ? SpanStatusCode.UNSET : SpanStatusCode.ERROR, message });
  span.recordException(err as Error);
}

/** A rejected promise rather than a throw, as from the `async` methods of Temporal's interceptors. */
function settled<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** `next` with the current context in the call's headers, after the old yield when the history has it. */
function withContext<I extends { headers: Parameters<typeof headersWithContext>[0] }, O>(input: I, next: (input: I) => Promise<O>): () => Promise<O> {
  return () => {
    const headers = headersWithContext(input.headers);
    return oldYield() ? Promise.resolve().then(() => next({ ...input, headers })) : next({ ...input, headers });
  };
}

class WorkflowSpansInbound implements WorkflowInboundCallsInterceptor {
  protected readonly tracer: Tracer = workflowTracer();

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return settled(() => {
      const context = extractContextFromHeaders(input.headers);
      const run = () =>
        instrument({
          tracer: this.tracer,
          spanName: `${SpanName.WORKFLOW_EXECUTE}${SPAN_DELIMITER}${workflowInfo().workflowType}`,
          fn: () => next(input),
          context,
          acceptableErrors: (err) => err instanceof ContinueAsNew,
        });
      return oldYield() ? Promise.resolve().then(run) : run();
    });
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return settled(() => {
      if (!flag(SdkFlags.OpenTelemetryInterceptorsTracesInboundSignals)) return next(input);
      const context = extractContextFromHeaders(input.headers);
      const run = () =>
        instrument({
          tracer: this.tracer,
          spanName: `${SpanName.WORKFLOW_HANDLE_SIGNAL}${SPAN_DELIMITER}${input.signalName}`,
          fn: () => next(input),
          context,
        });
      return oldYield() ? Promise.resolve().then(run) : run();
    });
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return settled(() => {
      if (!flag(SdkFlags.OpenTelemetryInterceptorsInstrumentsAllMethods)) return next(input);
      return instrument({
        tracer: this.tracer,
        spanName: `${SpanName.WORKFLOW_HANDLE_UPDATE}${SPAN_DELIMITER}${input.name}`,
        fn: (span) => {
          span.setAttribute(UPDATE_ID_ATTR_KEY, input.updateId);
          return next(input);
        },
        context: extractContextFromHeaders(input.headers),
      });
    });
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (!flag(SdkFlags.OpenTelemetryInterceptorsInstrumentsAllMethods)) return next(input);
    const context = extractContextFromHeaders(input.headers);
    instrumentSync({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_VALIDATE_UPDATE}${SPAN_DELIMITER}${input.name}`,
      fn: (span) => {
        span.setAttribute(UPDATE_ID_ATTR_KEY, input.updateId);
        return next(input);
      },
      context,
    });
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return settled(() => {
      if (!flag(SdkFlags.OpenTelemetryInterceptorsInstrumentsAllMethods)) return next(input);
      return instrument({
        tracer: this.tracer,
        spanName: `${SpanName.WORKFLOW_HANDLE_QUERY}${SPAN_DELIMITER}${input.queryName}`,
        fn: () => next(input),
        context: extractContextFromHeaders(input.headers),
      });
    });
  }
}

class WorkflowSpansOutbound implements WorkflowOutboundCallsInterceptor {
  protected readonly tracer: Tracer = workflowTracer();

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return instrument({ tracer: this.tracer, spanName: `${SpanName.ACTIVITY_START}${SPAN_DELIMITER}${input.activityType}`, fn: withContext(input, next) });
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    if (!flag(SdkFlags.OpenTelemetryInterceptorsTracesLocalActivities)) return next(input);
    return instrument({ tracer: this.tracer, spanName: `${SpanName.ACTIVITY_START}${SPAN_DELIMITER}${input.activityType}`, fn: withContext(input, next) });
  }

  startNexusOperation(
    input: StartNexusOperationInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startNexusOperation'>,
  ): Promise<StartNexusOperationOutput> {
    if (!flag(SdkFlags.OpenTelemetryInterceptorsInstrumentsAllMethods)) return next(input);
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.NEXUS_OPERATION_START}${SPAN_DELIMITER}${input.service}/${input.operation}`,
      fn: (span) => {
        span.setAttribute(NEXUS_SERVICE_ATTR_KEY, input.service);
        span.setAttribute(NEXUS_OPERATION_ATTR_KEY, input.operation);
        span.setAttribute(NEXUS_ENDPOINT_ATTR_KEY, input.endpoint);
        return next({ ...input, headers: nexusHeadersWithContext(input.headers) });
      },
    });
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    return instrument({ tracer: this.tracer, spanName: `${SpanName.CHILD_WORKFLOW_START}${SPAN_DELIMITER}${input.workflowType}`, fn: withContext(input, next) });
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.CONTINUE_AS_NEW}${SPAN_DELIMITER}${input.options.workflowType}`,
      fn: withContext(input, next),
      acceptableErrors: (err) => err instanceof ContinueAsNew,
    });
  }

  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    return instrument({ tracer: this.tracer, spanName: `${SpanName.WORKFLOW_SIGNAL}${SPAN_DELIMITER}${input.signalName}`, fn: withContext(input, next) });
  }

  /** The workflow's log lines carry the active span's ids, as Temporal's do. */
  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    const spanContext = trace.getSpan(otelContext.active())?.spanContext();
    if (!spanContext || !isSpanContextValid(spanContext)) return next(input);
    return next({ trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: `0${spanContext.traceFlags.toString(16)}`, ...input });
  }

  getMetricTags(input: GetMetricTagsInput, next: Next<WorkflowOutboundCallsInterceptor, 'getMetricTags'>) {
    return next(input);
  }
}

class WorkflowSpansInternals implements WorkflowInternalsInterceptor {
  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    disposeWorkflowTracer();
    next(input);
  }
}

/** Loaded before our labels (workflows/tracing-interceptors.ts): the outer interceptors, whose spans those label. */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new WorkflowSpansInbound()],
  outbound: [new WorkflowSpansOutbound()],
  internals: [new WorkflowSpansInternals()],
});

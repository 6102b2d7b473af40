/**
 * OpenTelemetry for the worker: spans for each run, each model step and each tool call, made by Temporal's
 * OpenTelemetryPlugin (`@temporalio/interceptors-opentelemetry`, its v1 generation: docs/trace.md says why), whose
 * workflow module DurableAgentPlugin replaces by ours (workflows/workflow-spans.ts: the same spans at a fraction of
 * the cost), and labelled with the run's correlation id and the GenAI conventions by our small additions: an
 * activity interceptor here, a workflow interceptor module (workflows/tracing-interceptors.ts), and the span sink
 * and scrubber below.
 *
 * Where spans go follows the standard environment: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` → OTLP, encoded as `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL` says (`http/protobuf` by
 * default, `http/json`, `grpc`); otherwise the console, as one JSON object per line on stderr
 * (stdout is the CLI's). `DURABLE_AGENT_TRACES` (or `OTEL_TRACES_EXPORTER`) = `off` | `console` | `otlp` overrides.
 *
 * Spans are made in two places: activity spans in this process (an AsyncLocalStorage context manager keeps the
 * activity's span active while it runs), workflow spans inside the workflow sandbox, which hands them out through
 * the `exporter` sink (workflows/workflow-tracer.ts). Both end in the same span processor.
 */
import { context, propagation, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Context as ActivityContext } from '@temporalio/activity';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry/lib/plugin';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  InjectedSinks,
  Next,
} from '@temporalio/worker';
import { genAiRunAttributes } from '../common/gen-ai-attributes';
import { activitySpanAttributes, runSpanAttributes } from '../common/span-attributes';
import { configFromEnv } from '../common/config';
import type { TraceDestination } from '../common/trace-destination';
import { ScrubbingSpanProcessor } from './scrubbing-processor';
import { spanExporterFor } from './span-exporters';

export { describeTraceDestination, traceDestination, TRACES_ENV, type TraceDestination } from '../common/trace-destination';
export const SERVICE_NAME = 'durable-agent-worker';

/** What a worker needs to trace: given to `DurableAgentPlugin({ tracing })` or `createAgentWorker({ tracing })`. */
export interface WorkerTracing {
  /**
   * Temporal's OpenTelemetryPlugin over this process's span processor: its client and activity interceptors make
   * the spans outside the workflow. DurableAgentPlugin applies it first, so ours run inside its spans, and puts our
   * workflow module (workflows/workflow-spans.ts) in place of its own.
   */
  plugin: OpenTelemetryPlugin;
  /** Our labels on the activity's span (inside Temporal's activity interceptor, whose span is then active). */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** The `exporter` sink, in place of the plugin's: it keeps only the execution's identity (below). */
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

export interface Tracing {
  destination: TraceDestination;
  provider: NodeTracerProvider;
  tracer: Tracer;
  worker: WorkerTracing;
  /** Exports every ended span now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops; call once the worker has stopped. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Defaults to the environment's (`configFromEnv().traces`, common/config.ts). Must not be `off`. */
  destination?: TraceDestination;
  /** Export to this instead (tests pass an InMemorySpanExporter); spans are handed over as they end. */
  exporter?: SpanExporter;
  /** Where console spans are written; stderr by default. */
  stream?: NodeJS.WritableStream;
  serviceName?: string;
}

/**
 * Starts OpenTelemetry in this process and registers it globally (tracer provider, W3C trace-context and baggage
 * propagation, AsyncLocalStorage context manager), so the client's StartWorkflow span, the workflow's spans and
 * the activities' spans of a run form one trace.
 *
 * @example
 * const tracing = startTracing();
 * const worker = await createAgentWorker({ agents, tracing: tracing.worker });
 * await worker.run();
 * await tracing.shutdown();
 */
export function startTracing(opts: TracingOptions = {}): Tracing {
  const destination = opts.destination ?? configFromEnv().traces;
  const resource = new Resource({
    ...Resource.default().attributes,
    'service.name': opts.serviceName ?? SERVICE_NAME,
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, as every OpenTelemetry SDK honours them.
    ...envDetectorSync.detect().attributes,
  });
  const exporter = opts.exporter ?? spanExporterFor(destination, opts.stream);
  if (!exporter) throw new Error(`tracing is off (${destination.kind === 'off' ? destination.reason : destination.kind})`);
  // OTLP: batched, one request per batch. Console and tests: each span as it ends.
  const batched = !opts.exporter && destination.kind === 'otlp';
  const processor = new ScrubbingSpanProcessor(batched ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  const tracer = provider.getTracer('durable-agent');
  return {
    destination,
    provider,
    tracer,
    worker: {
      plugin: new OpenTelemetryPlugin({ resource, spanProcessor: processor, tracer }),
      activityInterceptors: [(ctx) => ({ inbound: new RunAttributesActivityInbound(ctx) })],
      sinks: { exporter: workflowSpanSink(processor, resource) },
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * The sink for the workflow's spans. Temporal's copies the whole WorkflowInfo onto each span: the memo (with the
 * prompt's first line, which the payload codec keeps private at rest), search attributes as nested objects (not
 * valid span attributes), build ids... Only the execution's identity goes on our spans, under the names Temporal's
 * activity spans use.
 */
function workflowSpanSink(processor: SpanProcessor, resource: Resource): InjectedSinks<OpenTelemetrySinks>['exporter'] {
  const temporal = makeWorkflowExporter(processor, resource);
  return {
    export: {
      ...temporal.export,
      fn: (info, spans) => {
        const identity = {
          temporalWorkflowId: info.workflowId,
          run_id: info.runId,
          temporalWorkflowType: info.workflowType,
          temporalTaskQueue: info.taskQueue,
          temporalNamespace: info.namespace,
        };
        // Temporal's function only spreads its first argument into the attributes.
        return temporal.export.fn(identity as unknown as typeof info, spans);
      },
    },
  };
}


/**
 * Labels the activity's span with the run's correlation id and agent (baggage the workflow put in the activity's
 * trace context), the tool and the model step.
 */
class RunAttributesActivityInbound implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: ActivityContext) {}

  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const attributes: Attributes = runSpanAttributes(input.args[0]);
    const baggage = propagation.getBaggage(context.active());
    const ours = (baggage?.getAllEntries() ?? []).filter(([key]) => key.startsWith(BAGGAGE_PREFIX));
    for (const [key, entry] of ours) attributes[key] = entry.value;
    // The GenAI operation (chat, execute_tool) is on the workflow's StartActivity span, one per step or call;
    // here, one per attempt, only the run's identity in the conventions' names.
    Object.assign(attributes, genAiRunAttributes(attributes), activitySpanAttributes(this.ctx.info.activityType, input.args));
    trace.getActiveSpan()?.setAttributes(attributes);
    if (!baggage || ours.length === 0) return next(input);
    // The baggage only carried the run's labels from the workflow to here. Propagators send baggage with every
    // outgoing request (the Anthropic SDK does), so it stops here: the ids are not the model provider's business.
    const rest = baggage.removeEntries(...ours.map(([key]) => key));
    const inner = rest.getAllEntries().length ? propagation.setBaggage(context.active(), rest) : propagation.deleteBaggage(context.active());
    return context.with(inner, () => next(input));
  }
}

const BAGGAGE_PREFIX = 'durable_agent.';

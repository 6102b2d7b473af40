/**
 * The OpenTelemetry tracer of a traced workflow bundle, for the workflow sandbox: spans as plain records, handed to
 * the `exporter` sink as they end, in the form Temporal's own workflow exporter sends (its `SerializableSpan`), so
 * the worker side (`makeWorkflowExporter`, our span sink in workers/tracing.ts) takes them as it takes Temporal's.
 *
 * Why not Temporal's (`@temporalio/interceptors-opentelemetry`'s workflow module): it builds OpenTelemetry's
 * `BasicTracerProvider` from `@opentelemetry/sdk-trace-base`, which brings `@opentelemetry/core`, `resources` and
 * `semantic-conventions` into the bundle (1.4 MB of code), and a reusable V8 context evaluates a bundle's modules
 * once per workflow execution: every cached run held its own copy of all of them, and every replay evaluated them
 * again. This file needs only `@opentelemetry/api`, which the bundle carries anyway (workflows/approval-span.ts).
 * docs/trace.md has the figures.
 *
 * Same behaviour as Temporal's where a run can see it:
 * - ids come from the sandbox's `Math.random` (seeded by the run, so a replay makes the same ids), drawn exactly as
 *   OpenTelemetry's browser `RandomIdGenerator` draws them (one call per hex digit, the span id before the trace
 *   id), so a run's own random numbers (`uuid4()`) are the same under this tracer as under Temporal's;
 * - sampling is the SDK's default (parent-based, always on), propagation W3C trace context and baggage;
 * - times are the sandbox's clock (`Date.now()`, the workflow task's time from history);
 * - limits: 128 attributes and 128 events per span, as the SDK's defaults.
 * Nothing here issues a command or reads anything outside the run.
 */
import {
  context,
  createTraceState,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type TimeInput,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { ContextManager } from '@temporalio/interceptors-opentelemetry/lib/workflow/context-manager';
import type { OpenTelemetrySinks, SerializableSpan } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import { proxySinks, workflowInfo } from '@temporalio/workflow';

/** The SDK's default span limits (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT). */
const ATTRIBUTE_COUNT_LIMIT = 128;
const EVENT_COUNT_LIMIT = 128;

// Module state is per workflow execution: the bundle's modules are instantiated once per run in the sandbox.
let tracer: Tracer | undefined;
let contextManager: ContextManager | undefined;

/**
 * The run's tracer, registered on first use as the OpenTelemetry API's global tracer provider, context manager
 * (the sandbox's AsyncLocalStorage) and propagator, so `trace.getActiveSpan()` and `trace.getTracer()` in workflow
 * code see these spans.
 *
 * @example
 * const span = workflowTracer().startSpan('approval approval_required');
 * span.end(); // handed to the `exporter` sink, unless the run is replaying
 */
export function workflowTracer(): Tracer {
  if (tracer) return tracer;
  const provider = new WorkflowTracerProvider();
  contextManager = new ContextManager();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CPropagator());
  tracer = provider.getTracer('@temporalio/interceptor-workflow');
  return tracer;
}

/** Called as the run leaves the cache: the context manager's storage goes with it. */
export function disposeWorkflowTracer(): void {
  contextManager?.disable();
}

class WorkflowTracerProvider implements TracerProvider {
  private readonly tracers: Record<string, Tracer> = {};

  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    return (this.tracers[key] ??= new WorkflowTracer({ name, version, schemaUrl: options?.schemaUrl }));
  }
}

type Library = SerializableSpan['instrumentationLibrary'];

class WorkflowTracer implements Tracer {
  constructor(private readonly library: Library) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx);
    // The span id first, then (for a root) the trace id: the order, and count, of Math.random calls of the SDK.
    const spanId = randomHex(8);
    const child = parent !== undefined && isSpanContextValid(parent);
    const traceId = child ? parent.traceId : randomHex(16);
    // Parent-based, always on: a root is sampled; a child is sampled when its parent was.
    const sampled = !child || (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    const spanContext: SpanContext = {
      traceId,
      spanId,
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      ...(child && parent.traceState ? { traceState: parent.traceState } : {}),
    };
    if (!sampled) return trace.wrapSpanContext(spanContext);
    const links = (options.links ?? []).map((link) => ({ context: link.context, attributes: sanitize(link.attributes) }));
    return new WorkflowSpan({
      name,
      kind: options.kind ?? SpanKind.INTERNAL,
      spanContext,
      parentSpanId: child ? parent.spanId : undefined,
      links,
      startTime: toHrTime(options.startTime),
      attributes: sanitize(options.attributes),
      library: this.library,
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), (s: Span) => fn(s) as ReturnType<F>, undefined, span);
  }
}

interface WorkflowSpanInit {
  name: string;
  kind: SpanKind;
  spanContext: SpanContext;
  parentSpanId: string | undefined;
  links: Link[];
  startTime: HrTime;
  attributes: Attributes;
  library: Library;
}

/** A recording span: what OpenTelemetry's SDK span records, without its processor chain or resource. */
class WorkflowSpan implements Span {
  private name: string;
  private readonly attributes: Attributes = {};
  private readonly events: SerializableSpan['events'][number][] = [];
  private readonly links: Link[];
  private status: SpanStatus = { code: SpanStatusCode.UNSET };
  private ended = false;
  private droppedAttributesCount = 0;
  private droppedEventsCount = 0;

  constructor(private readonly init: WorkflowSpanInit) {
    this.name = init.name;
    this.links = init.links;
    this.setAttributes(init.attributes);
  }

  spanContext(): SpanContext {
    return this.init.spanContext;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (value == null || this.ended || key.length === 0 || !isAttributeValue(value)) return this;
    if (!(key in this.attributes) && Object.keys(this.attributes).length >= ATTRIBUTE_COUNT_LIMIT) {
      this.droppedAttributesCount++;
      return this;
    }
    this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const [key, value] of Object.entries(attributes)) this.setAttribute(key, value);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events.length >= EVENT_COUNT_LIMIT) {
      this.events.shift();
      this.droppedEventsCount++;
    }
    const timeFirst = isTimeInput(attributesOrTime);
    const attributes = timeFirst ? {} : sanitize(attributesOrTime as Attributes | undefined);
    const at = timeFirst && !isTimeInput(time) ? (attributesOrTime as TimeInput) : time;
    this.events.push({ name, attributes, time: toHrTime(at), droppedAttributesCount: 0 });
    return this;
  }

  addLink(link: Link): this {
    this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    this.links.push(...links);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended) return this;
    this.status = typeof status.message === 'string' || status.message == null ? { ...status } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      const type = exception.code ? String(exception.code) : exception.name;
      if (type) attributes['exception.type'] = type;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) this.addEvent('exception', attributes, time);
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    const start = this.init.startTime;
    let end = toHrTime(endTime);
    let duration = hrTimeDuration(start, end);
    if (duration[0] < 0) {
      end = [start[0], start[1]];
      duration = [0, 0];
    }
    // A replayed span was exported when it first ended: the SDK drops sink calls made while replaying history
    // events (not those of a query or an update validator, which is why this is not `isReplaying`).
    if (workflowInfo().unsafe.isReplayingHistoryEvents) return;
    exporter().export([this.serializable(end, duration)]);
  }

  private serializable(endTime: HrTime, duration: HrTime): SerializableSpan {
    const { traceState, ...rest } = this.init.spanContext;
    return {
      name: this.name,
      kind: this.init.kind,
      // A TraceState loses its methods crossing out of the sandbox: it travels as its string.
      spanContext: { traceState: traceState?.serialize(), ...rest },
      parentSpanId: this.init.parentSpanId,
      startTime: this.init.startTime,
      endTime,
      status: this.status,
      attributes: this.attributes,
      links: this.links,
      events: this.events,
      duration,
      ended: true,
      droppedAttributesCount: this.droppedAttributesCount,
      droppedEventsCount: this.droppedEventsCount,
      droppedLinksCount: 0,
      instrumentationLibrary: this.init.library,
    };
  }
}

let sink: OpenTelemetrySinks['exporter'] | undefined;
function exporter(): OpenTelemetrySinks['exporter'] {
  return (sink ??= proxySinks<OpenTelemetrySinks>().exporter);
}

/** `bytes` random bytes as lowercase hex, one Math.random call per digit, as OpenTelemetry's browser generator. */
function randomHex(bytes: number): string {
  let hex = '';
  for (let i = 0; i < bytes * 2; i++) hex += HEX_DIGITS[Math.floor(Math.random() * 16)];
  return hex;
}
const HEX_DIGITS = '0123456789abcdef';

function isAttributeValue(value: unknown): value is AttributeValue {
  if (value == null) return true;
  if (Array.isArray(value)) {
    // Homogeneous: every element of one primitive type (or null).
    const types = new Set(value.filter((v) => v != null).map((v) => typeof v));
    return types.size <= 1 && [...types].every(isPrimitiveType);
  }
  return isPrimitiveType(typeof value);
}
const isPrimitiveType = (type: string) => type === 'string' || type === 'number' || type === 'boolean';

function sanitize(attributes: Attributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (key.length === 0 || value == null || !isAttributeValue(value)) continue;
    out[key] = Array.isArray(value) ? (value.slice() as AttributeValue) : value;
  }
  return out;
}

function isTimeInput(value: unknown): value is TimeInput {
  return typeof value === 'number' || value instanceof Date || isHrTime(value);
}
function isHrTime(value: unknown): value is HrTime {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number';
}

/** Epoch milliseconds, a Date or an HrTime, as an HrTime; none: now, on the sandbox's clock. */
function toHrTime(input: TimeInput | undefined): HrTime {
  if (isHrTime(input)) return input;
  const ms = input === undefined ? Date.now() : input instanceof Date ? input.getTime() : input;
  return [Math.trunc(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

function hrTimeDuration(start: HrTime, end: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return [seconds, nanos];
}

/** W3C trace context (`traceparent`, `tracestate`) and baggage, the SDK's default propagators. */
class W3CPropagator implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(ctx);
    if (span && isSpanContextValid(span)) {
      setter.set(carrier, TRACEPARENT, `00-${span.traceId}-${span.spanId}-0${Number(span.traceFlags || TraceFlags.NONE).toString(16)}`);
      if (span.traceState) setter.set(carrier, TRACESTATE, span.traceState.serialize());
    }
    const entries = propagation.getBaggage(ctx)?.getAllEntries() ?? [];
    let header = '';
    for (const [key, entry] of entries.slice(0, BAGGAGE_MAX_PAIRS)) {
      let pair = `${encodeURIComponent(key)}=${encodeURIComponent(entry.value)}`;
      if (entry.metadata !== undefined) pair += `;${entry.metadata.toString()}`;
      if (pair.length > BAGGAGE_MAX_PAIR_LENGTH) continue;
      const next = header ? `${header},${pair}` : pair;
      if (next.length <= BAGGAGE_MAX_LENGTH) header = next;
    }
    if (header) setter.set(carrier, BAGGAGE, header);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    let out = ctx;
    const parent = parseTraceParent(first(getter.get(carrier, TRACEPARENT)));
    if (parent) {
      const state = getter.get(carrier, TRACESTATE);
      const traceState = Array.isArray(state) ? state.join(',') : state;
      out = trace.setSpanContext(out, { ...parent, isRemote: true, ...(traceState ? { traceState: createTraceState(traceState) } : {}) });
    }
    const header = getter.get(carrier, BAGGAGE);
    const baggage = Array.isArray(header) ? header.join(',') : header;
    if (!baggage) return out;
    const entries: Record<string, { value: string }> = {};
    for (const item of baggage.split(',')) {
      const [pair = ''] = item.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      entries[decodeURIComponent(pair.slice(0, at).trim())] = { value: decodeURIComponent(pair.slice(at + 1).trim()) };
    }
    return Object.keys(entries).length ? propagation.setBaggage(out, propagation.createBaggage(entries)) : out;
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE, BAGGAGE];
  }
}

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
const BAGGAGE = 'baggage';
const BAGGAGE_MAX_PAIRS = 180;
const BAGGAGE_MAX_PAIR_LENGTH = 4096;
const BAGGAGE_MAX_LENGTH = 8192;
const TRACEPARENT_FORMAT = /^\s?((?!ff)[\da-f]{2})-((?![0]{32})[\da-f]{32})-((?![0]{16})[\da-f]{16})-([\da-f]{2})(-.*)?\s?$/;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseTraceParent(header: string | undefined): Omit<SpanContext, 'isRemote'> | undefined {
  const match = header === undefined ? null : TRACEPARENT_FORMAT.exec(header);
  // Version 00 has exactly four parts; later versions may add some.
  if (!match || (match[1] === '00' && match[5])) return undefined;
  return { traceId: match[2] as string, spanId: match[3] as string, traceFlags: parseInt(match[4] as string, 16) };
}

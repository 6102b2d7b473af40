/** The span processor every worker span passes through before its exporter (workers/tracing.ts). */
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { containsApiKey, scrubString } from '../common/redact';
/**
 * An API key must never reach a trace: failure messages and exception events are recorded on spans, so every
 * string in a span is scrubbed the way the JSON logger scrubs log lines, whichever exporter follows.
 */
export class ScrubbingSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}

  onStart(span: Span, parentContext: Parameters<SpanProcessor['onStart']>[1]): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.inner.onEnd(scrubSpan(span));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

function scrubSpan(span: ReadableSpan): ReadableSpan {
  const leaks = containsApiKey;
  const attrsLeak = (a: Attributes | undefined) => Object.values(a ?? {}).some((v) => leaks(v) || (Array.isArray(v) && v.some(leaks)));
  if (!leaks(span.status.message) && !attrsLeak(span.attributes) && !span.events.some((e) => leaks(e.name) || attrsLeak(e.attributes))) {
    return span;
  }
  const scrubbed: ReadableSpan = {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanId: span.parentSpanId,
    startTime: span.startTime,
    endTime: span.endTime,
    status: { ...span.status, ...(span.status.message ? { message: scrubString(span.status.message) } : {}) },
    attributes: scrubAttributes(span.attributes),
    links: span.links,
    events: span.events.map((e) => ({ ...e, name: scrubString(e.name), attributes: e.attributes && scrubAttributes(e.attributes) })),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationLibrary: span.instrumentationLibrary,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
  return scrubbed;
}

function scrubAttributes(attributes: Attributes): Attributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([k, v]) => [
      k,
      typeof v === 'string' ? scrubString(v) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? scrubString(x) : x)) : v,
    ]),
  ) as Attributes;
}

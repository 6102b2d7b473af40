/**
 * Where the worker's spans go: OTLP in the encoding OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL names, or JSON lines on a
 * stream (the console destination).
 */
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpProtocol, TraceDestination } from '../common/trace-destination';
/**
 * The exporter for a destination: OTLP in its protocol's encoding (each also reads `OTEL_EXPORTER_OTLP_HEADERS`,
 * timeouts and the like), JSON lines on `stream` (stderr by default), or none when tracing is off.
 */
export function spanExporterFor(destination: TraceDestination, stream: NodeJS.WritableStream = process.stderr): SpanExporter | undefined {
  switch (destination.kind) {
    case 'otlp':
      return otlpExporter(destination.protocol, destination.endpoint);
    case 'console':
      return new JsonLinesSpanExporter(stream);
    case 'off':
      return undefined;
  }
}

function otlpExporter(protocol: OtlpProtocol, url: string): SpanExporter {
  switch (protocol) {
    case 'http/protobuf':
      return new OtlpProtobufExporter({ url });
    case 'http/json':
      return new OtlpJsonExporter({ url });
    case 'grpc':
      return new OtlpGrpcExporter({ url });
  }
}

/**
 * The console exporter: one JSON object per span and line, like the worker's logs, so the stream stays
 * machine-readable (OpenTelemetry's ConsoleSpanExporter prints multi-line objects to stdout).
 */
export class JsonLinesSpanExporter implements SpanExporter {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    for (const span of spans) this.stream.write(`${JSON.stringify(spanToJson(span))}\n`);
    done({ code: 0 }); // ExportResultCode.SUCCESS
  }

  async shutdown(): Promise<void> {}
}

const STATUS = ['unset', 'ok', 'error'] as const;
const KIND = ['internal', 'server', 'client', 'producer', 'consumer'] as const;

export function spanToJson(span: ReadableSpan): Record<string, unknown> {
  const { traceId, spanId } = span.spanContext();
  return {
    otel: 'span',
    service: span.resource.attributes['service.name'],
    name: span.name,
    traceId,
    spanId,
    parentSpanId: span.parentSpanId,
    kind: KIND[span.kind],
    start: new Date(hrTimeToMs(span.startTime)).toISOString(),
    durationMs: hrTimeToMs(span.duration),
    status: STATUS[span.status.code],
    ...(span.status.message ? { statusMessage: span.status.message } : {}),
    attributes: span.attributes,
    ...(span.events.length ? { events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })) } : {}),
  };
}

function hrTimeToMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + Math.round(nanos / 1000) / 1000;
}

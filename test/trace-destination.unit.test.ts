/**
 * Where a worker's spans go, read from the environment (test/opentelemetry.test.ts traces real runs).
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { JsonLinesSpanExporter, spanExporterFor, traceDestination } from '../workers/tracing';

describe('where spans go', () => {
  test('OTLP when an endpoint is configured, the console otherwise, nothing when off', () => {
    expect(traceDestination({})).toEqual({ kind: 'console' });
    expect(traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      kind: 'otlp',
      endpoint: 'http://collector:4318/v1/traces',
    });
    expect(
      traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/traces' }),
    ).toEqual({ kind: 'otlp', endpoint: 'http://b:4318/traces' });
    expect(traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', DURABLE_AGENT_TRACES: 'console' })).toEqual({ kind: 'console' });
    expect(traceDestination({ DURABLE_AGENT_TRACES: 'otlp' })).toEqual({ kind: 'otlp', endpoint: 'http://localhost:4318/v1/traces' });

    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' };
    expect(traceDestination(endpoint, { traces: false })).toEqual({ kind: 'off', reason: '--no-traces' });
    expect(traceDestination({ ...endpoint, DURABLE_AGENT_TRACES: 'off' })).toEqual({ kind: 'off', reason: 'DURABLE_AGENT_TRACES=off' });
    expect(traceDestination({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toEqual({ kind: 'off', reason: 'OTEL_TRACES_EXPORTER=none' });
    expect(traceDestination({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toEqual({ kind: 'off', reason: 'OTEL_SDK_DISABLED=true' });
    expect(() => traceDestination({ DURABLE_AGENT_TRACES: 'jaeger' })).toThrow('DURABLE_AGENT_TRACES must be off, console or otlp (got "jaeger")');

    expect(spanExporterFor(traceDestination(endpoint))).toBeInstanceOf(OTLPTraceExporter);
    expect(spanExporterFor(traceDestination({}))).toBeInstanceOf(JsonLinesSpanExporter);
    expect(spanExporterFor(traceDestination({ DURABLE_AGENT_TRACES: 'off' }))).toBeUndefined();
  });
});

/**
 * Where a worker's spans go, read from the environment (test/opentelemetry.test.ts traces real runs).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { configFromEnv } from '../common/config';
import { JsonLinesSpanExporter, spanExporterFor } from '../workers/span-exporters';
import { traceDestination, type TraceDestination } from '../workers/tracing';

describe('where spans go', () => {
  test('OTLP when an endpoint is configured, the console otherwise, nothing when off', () => {
    expect(traceDestination({})).toEqual({ kind: 'console' });
    expect(traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      kind: 'otlp',
      endpoint: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
    });
    expect(
      traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/traces' }),
    ).toEqual({ kind: 'otlp', endpoint: 'http://b:4318/traces', protocol: 'http/protobuf' });
    expect(traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', DURABLE_AGENT_TRACES: 'console' })).toEqual({ kind: 'console' });
    expect(traceDestination({ DURABLE_AGENT_TRACES: 'otlp' })).toEqual({ kind: 'otlp', endpoint: 'http://localhost:4318/v1/traces', protocol: 'http/protobuf' });

    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' };
    expect(traceDestination(endpoint, { traces: false })).toEqual({ kind: 'off', reason: '--no-traces' });
    expect(traceDestination({ ...endpoint, DURABLE_AGENT_TRACES: 'off' })).toEqual({ kind: 'off', reason: 'DURABLE_AGENT_TRACES=off' });
    expect(traceDestination({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toEqual({ kind: 'off', reason: 'OTEL_TRACES_EXPORTER=none' });
    expect(traceDestination({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toEqual({ kind: 'off', reason: 'OTEL_SDK_DISABLED=true' });
    expect(() => traceDestination({ DURABLE_AGENT_TRACES: 'jaeger' })).toThrow('DURABLE_AGENT_TRACES must be off, console or otlp (got "jaeger")');

    expect(spanExporterFor(traceDestination(endpoint))).toBeInstanceOf(OtlpProtobufExporter);
    expect(spanExporterFor(traceDestination({}))).toBeInstanceOf(JsonLinesSpanExporter);
    expect(spanExporterFor(traceDestination({ DURABLE_AGENT_TRACES: 'off' }))).toBeUndefined();
  });
});

describe('the OTLP protocol (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

  test('http/protobuf by default, as the spec says; http/json and grpc when asked; the traces variable wins', () => {
    const protocolOf = (env: Record<string, string>) => (traceDestination({ ...endpoint, ...env }) as Extract<TraceDestination, { kind: 'otlp' }>).protocol;
    expect(protocolOf({})).toBe('http/protobuf');
    expect(protocolOf({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe('http/json');
    expect(protocolOf({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBe('grpc');
    expect(protocolOf({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toBe('http/json');

    expect(spanExporterFor(traceDestination({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }))).toBeInstanceOf(OtlpProtobufExporter);
    expect(spanExporterFor(traceDestination({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }))).toBeInstanceOf(OtlpJsonExporter);
    expect(spanExporterFor(traceDestination({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }))).toBeInstanceOf(OtlpGrpcExporter);
  });

  test('gRPC takes the endpoint as it is (the service is named in the request, not the path), and defaults to port 4317', () => {
    expect(traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual({
      kind: 'otlp',
      endpoint: 'http://collector:4317',
      protocol: 'grpc',
    });
    expect(traceDestination({ DURABLE_AGENT_TRACES: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual({
      kind: 'otlp',
      endpoint: 'http://localhost:4317',
      protocol: 'grpc',
    });
  });

  test('an unknown protocol is a one-line configuration error naming the variable, even before an endpoint is set', () => {
    expect(() => traceDestination({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' })).toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf, http/json, grpc (got "thrift")',
    );
    expect(() => traceDestination({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http' })).toThrow(
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL must be http/protobuf, http/json, grpc (got "http")',
    );
    expect(() => configFromEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' })).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.stringMatching(/^OTEL_EXPORTER_OTLP_PROTOCOL must be .*\(got "http\/xml"\)$/) }),
    );
    // Tracing that is off reads no protocol.
    expect(traceDestination({ OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift', DURABLE_AGENT_TRACES: 'off' })).toEqual({ kind: 'off', reason: 'DURABLE_AGENT_TRACES=off' });
  });

  test('on the wire: http/protobuf posts protobuf, http/json posts JSON, to the traces path', async () => {
    const received: { url?: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const span = oneSpan();
      for (const protocol of ['http/protobuf', 'http/json']) {
        const exporter = spanExporterFor(traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol }));
        const result = await new Promise<{ code: number }>((resolve) => exporter?.export([span], resolve));
        expect({ protocol, code: result.code }).toEqual({ protocol, code: 0 });
        await exporter?.shutdown();
      }
      expect(received.map((r) => [r.url, r.headers['content-type']])).toEqual([
        ['/v1/traces', 'application/x-protobuf'],
        ['/v1/traces', 'application/json'],
      ]);
      // The span's name is in both bodies: as protobuf bytes and as a JSON string.
      expect(received[0]?.body.includes(Buffer.from('protocol probe'))).toBe(true);
      expect(received[0]?.body.toString('utf8').startsWith('{')).toBe(false);
      expect(JSON.stringify(JSON.parse(received[1]?.body.toString('utf8') ?? 'null'))).toContain('"name":"protocol probe"');
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});

function oneSpan(): ReadableSpan {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('probe').startSpan('protocol probe').end();
  const [span] = memory.getFinishedSpans();
  if (!span) throw new Error('no span');
  return span;
}

/**
 * Where the worker's OpenTelemetry spans go, from the standard environment. Kept apart from workers/tracing.ts
 * (which loads the OpenTelemetry SDK) so the configuration (common/config.ts) can check the setting before anything
 * loads. Pure.
 */
import { clip } from './text';

export const TRACES_ENV = 'DURABLE_AGENT_TRACES';

/** The OTLP encodings the OpenTelemetry spec names for `OTEL_EXPORTER_OTLP_PROTOCOL`; the first is its default. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** Where the worker's spans go. */
export type TraceDestination =
  | { kind: 'otlp'; endpoint: string; protocol: OtlpProtocol }
  | { kind: 'console' }
  | { kind: 'off'; reason: string };

/**
 * Chooses the destination from the environment: off when asked (`--no-traces`, `DURABLE_AGENT_TRACES=off`,
 * `OTEL_TRACES_EXPORTER=none`, `OTEL_SDK_DISABLED=true`), OTLP when an endpoint is configured, else the console.
 * The OTLP encoding is `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else
 * `http/protobuf` (the spec's default); any other value throws, even when spans go to the console, so a typo is
 * found at start-up rather than when an endpoint is added.
 *
 * @example
 * traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })
 * // { kind: 'otlp', endpoint: 'http://collector:4318/v1/traces', protocol: 'http/protobuf' }
 * traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })
 * // { kind: 'otlp', endpoint: 'http://collector:4317', protocol: 'grpc' }
 */
export function traceDestination(env: Readonly<Record<string, string | undefined>>, flags: { traces?: boolean } = {}): TraceDestination {
  if (flags.traces === false) return { kind: 'off', reason: '--no-traces' };
  const [name, raw] = env[TRACES_ENV] !== undefined ? [TRACES_ENV, env[TRACES_ENV]] : ['OTEL_TRACES_EXPORTER', env.OTEL_TRACES_EXPORTER];
  const setting = raw?.trim().toLowerCase() || undefined;
  if (setting === 'off' || setting === 'none') return { kind: 'off', reason: `${name}=${raw}` };
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { kind: 'off', reason: 'OTEL_SDK_DISABLED=true' };
  if (setting !== undefined && setting !== 'console' && setting !== 'otlp') {
    throw new Error(`${name} must be off, console or otlp (got "${raw}")`);
  }
  const protocol = otlpProtocol(env);
  if (setting === 'console') return { kind: 'console' };
  // The OTLP spec's rule: the signal-specific endpoint is used as is; over HTTP the general one gets `/v1/traces`
  // appended, while gRPC names the service in the request, not the path, so its endpoint is used as is too.
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (tracesEndpoint) return { kind: 'otlp', endpoint: tracesEndpoint, protocol };
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const http = protocol !== 'grpc';
  if (endpoint) return { kind: 'otlp', endpoint: http ? `${endpoint.replace(/\/+$/, '')}/v1/traces` : endpoint, protocol };
  if (setting === 'otlp') return { kind: 'otlp', endpoint: http ? 'http://localhost:4318/v1/traces' : 'http://localhost:4317', protocol };
  return { kind: 'console' };
}

function otlpProtocol(env: Readonly<Record<string, string | undefined>>): OtlpProtocol {
  const name = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const raw = env[name]?.trim();
  if (!raw) return 'http/protobuf';
  const protocol = OTLP_PROTOCOLS.find((p) => p === raw.toLowerCase());
  if (!protocol) throw new Error(`${name} must be ${OTLP_PROTOCOLS.join(', ')} (got "${clip(raw, 64)}")`);
  return protocol;
}

/** One line for the person starting the worker. */
export function describeTraceDestination(destination: TraceDestination): string {
  switch (destination.kind) {
    case 'otlp':
      return `OpenTelemetry spans over OTLP (${destination.protocol}) to ${destination.endpoint}`;
    case 'console':
      return 'OpenTelemetry spans as JSON lines on stderr (set OTEL_EXPORTER_OTLP_ENDPOINT to send them over OTLP)';
    case 'off':
      return `off (${destination.reason})`;
  }
}

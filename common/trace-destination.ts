/**
 * Where the worker's OpenTelemetry spans go, from the standard environment. Kept apart from workers/tracing.ts
 * (which loads the OpenTelemetry SDK) so the configuration (common/config.ts) can check the setting before anything
 * loads. Pure.
 */
export const TRACES_ENV = 'DURABLE_AGENT_TRACES';

/** Where the worker's spans go. */
export type TraceDestination =
  | { kind: 'otlp'; endpoint: string }
  | { kind: 'console' }
  | { kind: 'off'; reason: string };

/**
 * Chooses the destination from the environment: off when asked (`--no-traces`, `DURABLE_AGENT_TRACES=off`,
 * `OTEL_TRACES_EXPORTER=none`, `OTEL_SDK_DISABLED=true`), OTLP when an endpoint is configured, else the console.
 *
 * @example
 * traceDestination({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })
 * // { kind: 'otlp', endpoint: 'http://collector:4318/v1/traces' }
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
  if (setting === 'console') return { kind: 'console' };
  // The OTLP spec's rule: the signal-specific endpoint is used as is; the general one gets `/v1/traces` appended.
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (tracesEndpoint) return { kind: 'otlp', endpoint: tracesEndpoint };
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (endpoint) return { kind: 'otlp', endpoint: `${endpoint.replace(/\/+$/, '')}/v1/traces` };
  if (setting === 'otlp') return { kind: 'otlp', endpoint: 'http://localhost:4318/v1/traces' };
  return { kind: 'console' };
}

/** One line for the person starting the worker. */
export function describeTraceDestination(destination: TraceDestination): string {
  switch (destination.kind) {
    case 'otlp':
      return `OpenTelemetry spans over OTLP/HTTP to ${destination.endpoint}`;
    case 'console':
      return 'OpenTelemetry spans as JSON lines on stderr (set OTEL_EXPORTER_OTLP_ENDPOINT to send them over OTLP)';
    case 'off':
      return `off (${destination.reason})`;
  }
}

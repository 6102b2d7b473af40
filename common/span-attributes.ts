/**
 * The OpenTelemetry attributes that tie a run's spans together: the same correlation id as its trace events, its
 * log lines and its `CorrelationId` search attribute, so a tracing backend finds every span of a run by one id.
 *
 * Plain functions over JSON inputs: the workflow interceptors (inside the sandbox), the worker's activity
 * interceptor and the client's interceptor all use them.
 */
import { isRecord } from './values';

/** Attribute names, namespaced as OpenTelemetry recommends for a project's own attributes. */
export const SPAN_ATTR = {
  correlationId: 'durable_agent.correlation_id',
  agent: 'durable_agent.agent',
  /** The model step a model call or tool call belongs to (1 = first model call). */
  step: 'durable_agent.step',
  /** The tool a `tool.<name>` (or `tool.<name>.verify`) activity runs. */
  tool: 'durable_agent.tool',
} as const;

export type SpanAttributes = Record<string, string | number | boolean | string[]>;

/**
 * From the run's input (`AgentRunInput`): its correlation id and agent.
 *
 * @example
 * runSpanAttributes({ agent: 'ops', correlationId: 'ticket-4711', prompt: '...' })
 * // { 'durable_agent.correlation_id': 'ticket-4711', 'durable_agent.agent': 'ops' }
 */
export function runSpanAttributes(input: unknown): SpanAttributes {
  const out: SpanAttributes = {};
  if (!isRecord(input)) return out;
  if (typeof input.correlationId === 'string') out[SPAN_ATTR.correlationId] = input.correlationId;
  if (typeof input.agent === 'string') out[SPAN_ATTR.agent] = input.agent;
  return out;
}

/**
 * From an activity's type and arguments: the tool for `tool.<name>` and `tool.<name>.verify`, and the model step
 * (`model.call` carries `step`; tool calls carry it in `context.step`).
 *
 * @example
 * activitySpanAttributes('tool.echo', [{ args: { text: 'hi' }, context: { step: 1, ... } }])
 * // { 'durable_agent.tool': 'echo', 'durable_agent.step': 1 }
 */
export function activitySpanAttributes(activityType: string, args: readonly unknown[]): SpanAttributes {
  const out: SpanAttributes = {};
  const tool = /^tool\.(.+?)(\.verify)?$/.exec(activityType)?.[1];
  if (tool) out[SPAN_ATTR.tool] = tool;
  const first = args[0];
  if (isRecord(first)) {
    const step = typeof first.step === 'number' ? first.step : isRecord(first.context) ? first.context.step : undefined;
    if (typeof step === 'number') out[SPAN_ATTR.step] = step;
  }
  return out;
}

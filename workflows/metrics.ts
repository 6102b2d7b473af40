/**
 * The project's counters, emitted from workflow code through a sink (`durableAgentMetrics`, workers/metrics-sink.ts)
 * that is not called on replay, so a replayed task does not count twice, and exported by the worker's runtime with
 * its own metrics (Prometheus, when the worker is started with --metrics).
 *
 * Not the SDK's workflow meter: the worker tags everything emitted through it with camelCase `taskQueue` and
 * `workflowType`, outside the sandbox, where no workflow code can take them off. The sink labels ours like
 * Temporal's own series (`namespace`, `task_queue`, `workflow_type`), so one query joins both.
 */
import { proxySinks, type Sinks } from '@temporalio/workflow';
import { DECISIONS, ESCALATION_KINDS } from '../common/escalation';
import type { CounterName } from '../common/metrics';
import { TOOL_EFFECTS } from '../common/run';
import { TOOL_CALL_ERROR_CODES, type TraceEventBody } from '../common/trace';

export interface MetricsSinks extends Sinks {
  durableAgentMetrics: {
    add(counter: CounterName, value: number, labels: Record<string, string>): void;
  };
}

const { durableAgentMetrics } = proxySinks<MetricsSinks>();

/** The tool name refused content blocks are filed under (activities/model-call.ts). */
const CONTENT_BLOCK = '(content block)';

/**
 * A label takes only values the code knows: a tool the run has, a known code, decision or kind; `unknown` or
 * `invalid` otherwise. Labels reach Prometheus, and model- and client-written strings (a 100 KB tool name, a
 * Signal's made-up decision) would otherwise become series of their own.
 */
export function metricLabels(agent: string, event: TraceEventBody, knownTools: readonly string[]): Record<string, string> | undefined {
  const agentLabel = /^[A-Za-z0-9_.-]{1,64}$/.test(agent) ? agent : 'invalid';
  const tool = (name: string) => (knownTools.includes(name) || name === CONTENT_BLOCK ? name : 'unknown');
  const oneOf = (value: unknown, allowed: readonly string[]) => (typeof value === 'string' && allowed.includes(value) ? value : 'invalid');
  switch (event.kind) {
    case 'validation_error':
      return { agent: agentLabel, tool: tool(event.error.tool), code: oneOf(event.error.code, TOOL_CALL_ERROR_CODES) };
    case 'corrective_retry':
      return { agent: agentLabel };
    case 'escalation':
      return { agent: agentLabel, kind: oneOf(event.escalation.kind, ESCALATION_KINDS) };
    case 'resolution':
      return { agent: agentLabel, decision: oneOf(event.resolution.decision, DECISIONS), accepted: String(event.accepted === true) };
    case 'action':
      return { agent: agentLabel, tool: tool(event.entry.tool), effect: oneOf(event.entry.effect, TOOL_EFFECTS) };
    case 'model_response':
      return { agent: agentLabel };
    default:
      return undefined;
  }
}

/** Counts what a trace event says happened. */
export function countEvent(agent: string, event: TraceEventBody, knownTools: readonly string[] = []): void {
  const labels = metricLabels(agent, event, knownTools);
  if (!labels) return;
  const add = (counter: CounterName, value: number, extra: Record<string, string> = {}) => durableAgentMetrics.add(counter, value, { ...labels, ...extra });
  switch (event.kind) {
    case 'validation_error':
      return add('durable_agent_validation_failures', 1);
    case 'corrective_retry':
      return add('durable_agent_corrective_retries', 1);
    case 'escalation':
      return add('durable_agent_escalations', 1);
    case 'resolution':
      return add('durable_agent_resolutions', 1);
    case 'model_response':
      add('durable_agent_tokens', event.usage.inputTokens, { direction: 'input' });
      return add('durable_agent_tokens', event.usage.outputTokens, { direction: 'output' });
    case 'action':
      return add('durable_agent_actions', 1);
    default:
      return;
  }
}

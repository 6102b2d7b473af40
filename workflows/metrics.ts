/**
 * The project's counters, emitted from workflow code through Temporal's workflow metric meter: replay-safe (a
 * replayed task does not count twice) and exported by the worker's runtime with its own metrics (Prometheus, when
 * the worker is started with --metrics).
 */
import type { MetricCounter } from '@temporalio/common';
import { metricMeter } from '@temporalio/workflow';
import type { TraceEventBody } from '../common/trace';

let counters: Record<string, MetricCounter> | undefined;

/** Created on first use, inside the workflow context. */
function get(): Record<string, MetricCounter> {
  counters ??= {
    validation: metricMeter.createCounter('durable_agent_validation_failures', 'calls', 'tool calls refused before dispatch'),
    corrective: metricMeter.createCounter('durable_agent_corrective_retries', 'retries', 'corrective attempts given to the model'),
    escalations: metricMeter.createCounter('durable_agent_escalations', 'escalations', 'escalations raised, by kind'),
    resolutions: metricMeter.createCounter('durable_agent_resolutions', 'resolutions', 'resolutions received, by decision and outcome'),
    tokens: metricMeter.createCounter('durable_agent_tokens', 'tokens', 'model tokens, by direction'),
    actions: metricMeter.createCounter('durable_agent_actions', 'actions', 'write and irreversible calls that ran'),
  };
  return counters;
}

/** Counts what a trace event says happened. */
export function countEvent(agent: string, event: TraceEventBody): void {
  const c = get();
  switch (event.kind) {
    case 'validation_error':
      c.validation?.add(1, { agent, tool: event.error.tool, code: event.error.code });
      break;
    case 'corrective_retry':
      c.corrective?.add(1, { agent });
      break;
    case 'escalation':
      c.escalations?.add(1, { agent, kind: event.escalation.kind });
      break;
    case 'resolution':
      c.resolutions?.add(1, { agent, decision: String(event.resolution.decision), accepted: String(event.accepted) });
      break;
    case 'model_response':
      c.tokens?.add(event.usage.inputTokens, { agent, direction: 'input' });
      c.tokens?.add(event.usage.outputTokens, { agent, direction: 'output' });
      break;
    case 'action':
      c.actions?.add(1, { agent, tool: event.entry.tool, effect: event.entry.effect });
      break;
    default:
      break;
  }
}

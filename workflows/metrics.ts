/**
 * The project's counters, emitted from workflow code through Temporal's workflow metric meter: replay-safe (a
 * replayed task does not count twice) and exported by the worker's runtime with its own metrics (Prometheus, when
 * the worker is started with --metrics).
 */
import type { MetricCounter } from '@temporalio/common';
import { metricMeter, workflowInfo } from '@temporalio/workflow';
import { DECISIONS, ESCALATION_KINDS } from '../common/escalation';
import { TOOL_EFFECTS } from '../common/run';
import { TOOL_CALL_ERROR_CODES, type TraceEventBody } from '../common/trace';

/** The tool name refused content blocks are filed under (activities/model-call.ts). */
const CONTENT_BLOCK = '(content block)';

let counters: Record<string, MetricCounter> | undefined;

/**
 * Created on first use, inside the workflow context. Exported with the runtime's own metrics, so the names follow
 * its exporter's conventions: no `_total` here (workers/prometheus.ts has the exporter append it, as it does to
 * Temporal's counters) and snake_case labels like Temporal's `task_queue` and `workflow_type`.
 */
function get(): Record<string, MetricCounter> {
  if (counters) return counters;
  const info = workflowInfo();
  const meter = metricMeter.withTags({
    task_queue: info.taskQueue,
    workflow_type: info.workflowType,
    // The SDK tags workflow metrics with a camelCase `workflowType`; its tag composition drops a tag set to null,
    // which is the only way to take one off. (The worker adds `taskQueue` outside the sandbox, out of reach here.)
    workflowType: null as unknown as string,
  });
  counters = {
    validation: meter.createCounter('durable_agent_validation_failures', 'calls', 'tool calls refused before dispatch'),
    corrective: meter.createCounter('durable_agent_corrective_retries', 'retries', 'corrective attempts given to the model'),
    escalations: meter.createCounter('durable_agent_escalations', 'escalations', 'escalations raised, by kind'),
    resolutions: meter.createCounter('durable_agent_resolutions', 'resolutions', 'resolutions received, by decision and outcome'),
    tokens: meter.createCounter('durable_agent_tokens', 'tokens', 'model tokens, by direction'),
    actions: meter.createCounter('durable_agent_actions', 'actions', 'write and irreversible calls that ran'),
  };
  return counters;
}

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
  const c = get();
  switch (event.kind) {
    case 'validation_error':
      c.validation?.add(1, labels);
      break;
    case 'corrective_retry':
      c.corrective?.add(1, labels);
      break;
    case 'escalation':
      c.escalations?.add(1, labels);
      break;
    case 'resolution':
      c.resolutions?.add(1, labels);
      break;
    case 'model_response':
      c.tokens?.add(event.usage.inputTokens, { ...labels, direction: 'input' });
      c.tokens?.add(event.usage.outputTokens, { ...labels, direction: 'output' });
      break;
    case 'action':
      c.actions?.add(1, labels);
      break;
    default:
      break;
  }
}

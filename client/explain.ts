/**
 * A plain-language account of a run, from its trace: what it was asked, each decision and why, each action and who
 * approved it, how it ended. For people who will never open the history.
 */
import type { AgentRunInput } from '../common/run';
import type { FieldError, TraceEvent } from '../common/trace';

export function explainRun(input: AgentRunInput, trace: TraceEvent[]): string {
  const lines: string[] = [];
  const mode = input.options?.mode ?? 'act';
  lines.push(`The ${input.agent} agent was asked: "${input.prompt}"`);
  lines.push(
    `It ran in ${mode} mode${input.options?.scope ? `, limited to ${input.options.scope.join(', ')}` : ''}, correlation id ${input.correlationId}.`,
  );
  const raised = new Map<string, string>();
  for (const event of trace) {
    const line = sentence(event, raised);
    if (line) lines.push(line);
  }
  return lines.join('\n');
}

function sentence(event: TraceEvent, raised: Map<string, string>): string | undefined {
  const step = `Step ${event.step}:`;
  switch (event.kind) {
    case 'model_response':
      if (event.toolCalls.length === 0) return undefined;
      return `${step} the model said "${clip(event.text, 160)}" and proposed ${event.toolCalls.map((c) => c.name).join(', ')}.`;
    case 'validation_error':
      return `${step} its call to ${event.error.tool} was refused before it ran (${refusal(event.error.code)}${
        event.error.fields?.length ? `: ${fields(event.error.fields)}` : ''
      }).`;
    case 'corrective_retry':
      return `${step} the model was sent the error and given corrective attempt ${event.attempt} of ${event.of}.`;
    case 'tool_result':
      return `${step} ${event.tool} ran and returned ${clip(JSON.stringify(event.result) ?? 'nothing', 140)}.`;
    case 'tool_error':
      return `${step} ${event.error.tool} failed: ${clip(event.error.message, 160)}.`;
    case 'action':
      return `${step} that was an action (${event.entry.effect}), recorded in the ledger under key ${event.entry.idempotencyKey}${
        event.entry.approvedBy ? `, approved by ${event.entry.approvedBy}` : ''
      }.`;
    case 'verification':
      return event.ok ? `${step} its effect was verified.` : `${step} its effect could NOT be verified: ${event.detail}.`;
    case 'escalation': {
      raised.set(event.escalation.id, event.at);
      const call = event.escalation.proposedCall;
      return `${step} the run stopped and waited for a person (${event.escalation.kind}): ${event.escalation.reason}${
        call ? `; proposed ${call.tool} ${clip(JSON.stringify(call.args), 120)}` : ''
      }.`;
    }
    case 'resolution': {
      const r = event.resolution;
      if (!event.accepted) return `${step} a resolution by ${r.by} (${r.decision}) was refused: ${event.note ?? 'no reason'}.`;
      const since = raised.get(r.escalationId);
      const waited = since ? ` after ${Math.round((Date.parse(event.at) - Date.parse(since)) / 1000)} s` : '';
      return `${step} ${r.by} decided: ${r.decision}${r.text ? ` ("${clip(r.text, 120)}")` : ''}${waited}.`;
    }
    case 'limit_reached':
      return `${step} the ${event.limit} budget was reached (${event.value} of ${event.max}).`;
    case 'recommendation': {
      const r = event.recommendation;
      return `${step} recommended ${r.tool} ${clip(JSON.stringify(r.args), 120)}: ${r.status}${r.decidedBy ? ` by ${r.decidedBy}` : ''}.`;
    }
    case 'completion':
      return `It ended ${event.status.replace('_', ' ')}${event.by ? ` (by ${event.by})` : ''}: "${clip(event.text, 240)}"`;
    case 'failure':
      return `It failed (${event.errorType}): ${clip(event.message, 240)}`;
    default:
      return undefined;
  }
}

function refusal(code: string): string {
  const words: Record<string, string> = {
    unknown_tool: 'no such tool',
    invalid_input: 'its arguments did not match the schema',
    out_of_scope: 'the tool is outside this run\'s scope',
  };
  return words[code] ?? code;
}

function fields(list: FieldError[]): string {
  return list.map((f) => `${f.path} should be ${f.expected} but was ${f.received}`).join('; ');
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

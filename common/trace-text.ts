/**
 * Trace events in words, for people: one line per event for a timeline (`summarize`, the CLI and the inbox) and the
 * demo's three beats (`whatHappened`); common/explain-run.ts tells a whole run. Pure: any process can render a trace
 * it has read. A new trace kind is worded here and there.
 */
import { attemptsText, ranOnAttemptText } from './attempts';
import type { AttemptsSummary } from './model';
import { brief, clip } from './text';
import type { FieldError, ToolCallError, TraceEvent } from './trace';

/** `path: expected X, got Y; ...`: a refused call's fields as one line. */
export function fieldErrors(fields: FieldError[]): string {
  return fields.map((f) => `${f.path}: expected ${f.expected}, got ${f.received}`).join('; ');
}

/** `tool code: what was wrong`. */
export function toolCallError(error: ToolCallError): string {
  if (error.fields?.length) return `${error.tool} ${error.code}: ${fieldErrors(error.fields)}`;
  return `${error.tool} ${error.code}: ${error.message}`;
}

/** The short summary of one trace event: what a person scanning the timeline needs. */
export function summarize(event: TraceEvent): string {
  switch (event.kind) {
    case 'model_request':
      return `${event.model}, ${event.messageCount} message${event.messageCount === 1 ? '' : 's'}`;
    case 'model_response': {
      const calls = event.toolCalls.map((c) => c.name).join(', ');
      const said = event.text ? `"${clip(event.text, 90)}"` : '(no text)';
      return `${calls ? `${said} -> ${calls}` : `${said} (${event.stopReason ?? 'no stop reason'})`}${tried(event.attempts)}`;
    }
    case 'tool_call':
      return `${event.tool} ${brief(event.args, 110)}${event.effect === 'read' ? '' : ` [${event.effect}]`}`;
    case 'validation_error':
      return toolCallError(event.error);
    case 'corrective_retry':
      return `attempt ${event.attempt} of ${event.of}: the model gets the error${event.errors.length === 1 ? '' : 's'} back`;
    case 'tool_result':
      return `${event.tool} ${brief(event.result, 110)}${tried(event.attempts)}`;
    case 'tool_error':
      return toolCallError(event.error);
    case 'escalation': {
      const e = event.escalation;
      const call = e.proposedCall ? `; proposed ${e.proposedCall.tool} ${brief(e.proposedCall.args, 80)}` : '';
      return `${e.kind}: ${e.reason}${call} (id ${e.id})`;
    }
    case 'resolution': {
      const r = event.resolution;
      const extra =
        r.decision === 'edit' && r.args ? ` ${brief(r.args, 80)}` : r.text ? ` "${clip(r.text, 80)}"` : '';
      return `${r.decision} by ${r.by}${extra}${event.accepted ? '' : ` (refused: ${event.note ?? 'no reason given'})`}`;
    }
    case 'limit_reached':
      return `${event.limit}: ${event.value} of ${event.max}`;
    case 'recommendation': {
      const r = event.recommendation;
      const who = r.decidedBy ? ` by ${r.decidedBy}` : '';
      return `${r.status}${who}: ${r.tool} ${brief(r.args, 90)}${r.rationale ? ` (${clip(r.rationale, 60)})` : ''}`;
    }
    case 'action': {
      const e = event.entry;
      return `${e.tool} [${e.effect}] key ${e.idempotencyKey}${e.approvedBy ? `, approved by ${e.approvedBy}` : ''}${e.attempts && e.attempts.count > 1 ? `, ${ranOnAttemptText(e.attempts)}` : ''}`;
    }
    case 'verification':
      return `${event.tool}: ${event.ok ? 'verified' : `NOT verified: ${event.detail}`}`;
    case 'completion':
      return `${event.status}${event.by ? ` by ${event.by}` : ''}: "${clip(event.text, 100)}"`;
    case 'failure':
      return `${event.errorType}: ${clip(event.message, 120)}`;
    case 'policy_change':
      return `the agent's policy is stricter than the run recorded; the stricter applies: ${clip(event.tightened.join('; '), 200)}`;
    default: {
      // A kind added after this CLI was built still prints, just without a tailored summary.
      const unknown = event as { kind: string };
      return brief(unknown, 120);
    }
  }
}

/** ` [took 6 attempts: rate limited 5 times, waited 5.2 s in all]`, or nothing for a call that took one. */
function tried(attempts: AttemptsSummary | undefined): string {
  return attempts && attempts.count > 1 ? ` [${attemptsText(attempts)}]` : '';
}

/** The three beats of the demo, found in the trace, in words. */
export function whatHappened(trace: TraceEvent[]): string[] {
  const lines: string[] = [];
  const invalid = trace.find(
    (e): e is Extract<TraceEvent, { kind: 'validation_error' }> => e.kind === 'validation_error',
  );
  if (invalid) {
    const why = invalid.error.fields?.length ? fieldErrors(invalid.error.fields) : invalid.error.message;
    lines.push(`${invalid.error.tool} was refused before it ran (event ${invalid.seq}): ${why}`);
    const fixed = trace.find(
      (e): e is Extract<TraceEvent, { kind: 'tool_call' }> =>
        e.kind === 'tool_call' && e.seq > invalid.seq && e.tool === invalid.error.tool,
    );
    if (fixed)
      lines.push(
        `the model corrected it from that error (event ${fixed.seq}): ${fixed.tool} ${JSON.stringify(fixed.args)}`,
      );
  }
  for (const event of trace) {
    if (event.kind !== 'escalation') continue;
    const e = event.escalation;
    const decided = trace.find(
      (r): r is Extract<TraceEvent, { kind: 'resolution' }> =>
        r.kind === 'resolution' && r.accepted && r.resolution.escalationId === e.id,
    );
    const call = e.proposedCall ? `${e.proposedCall.tool} ${JSON.stringify(e.proposedCall.args)}` : e.reason;
    lines.push(
      `${call} was escalated (${e.kind}, event ${event.seq})` +
        (decided
          ? ` and ${decided.resolution.decision === 'approve' ? 'approved' : decided.resolution.decision} by ${decided.resolution.by} (event ${decided.seq})`
          : ''),
    );
    const ran = trace.find(
      (r): r is Extract<TraceEvent, { kind: 'tool_result' }> =>
        r.kind === 'tool_result' && r.toolUseId === e.proposedCall?.toolUseId,
    );
    if (ran) lines.push(`only then did ${ran.tool} run (event ${ran.seq}): ${JSON.stringify(ran.result)}`);
  }
  return lines;
}

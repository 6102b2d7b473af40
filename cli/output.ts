/**
 * Formatting for people: the trace as a timeline, tables, an escalation as the person who must decide sees it.
 * `--json` output bypasses all of this and prints the client's own objects.
 */
import type { Escalation } from '../common/escalation';
import type { FieldError, ToolCallError, TraceEvent } from '../common/trace';

/** Writes one JSON document to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Compact JSON for one line of a table or timeline, cut at `max` characters. */
export function brief(value: unknown, max = 100): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return truncate(text, max);
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `1h 02m`, `3m 04s`, `12s`: how long something has waited. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Left-aligned columns, a header row, two spaces between columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function fieldErrors(fields: FieldError[]): string {
  return fields.map((f) => `${f.path}: expected ${f.expected}, got ${f.received}`).join('; ');
}

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
      const said = event.text ? `"${truncate(event.text, 90)}"` : '(no text)';
      return calls ? `${said} -> ${calls}` : `${said} (${event.stopReason ?? 'no stop reason'})`;
    }
    case 'tool_call':
      return `${event.tool} ${brief(event.args, 110)}${event.effect === 'read' ? '' : ` [${event.effect}]`}`;
    case 'validation_error':
      return toolCallError(event.error);
    case 'corrective_retry':
      return `attempt ${event.attempt} of ${event.of}: the model gets the error${event.errors.length === 1 ? '' : 's'} back`;
    case 'tool_result':
      return `${event.tool} ${brief(event.result, 110)}`;
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
        r.decision === 'edit' && r.args ? ` ${brief(r.args, 80)}` : r.text ? ` "${truncate(r.text, 80)}"` : '';
      return `${r.decision} by ${r.by}${extra}${event.accepted ? '' : ` (refused: ${event.note ?? 'no reason given'})`}`;
    }
    case 'limit_reached':
      return `${event.limit}: ${event.value} of ${event.max}`;
    case 'recommendation': {
      const r = event.recommendation;
      const who = r.decidedBy ? ` by ${r.decidedBy}` : '';
      return `${r.status}${who}: ${r.tool} ${brief(r.args, 90)}${r.rationale ? ` (${truncate(r.rationale, 60)})` : ''}`;
    }
    case 'action': {
      const e = event.entry;
      return `${e.tool} [${e.effect}] key ${e.idempotencyKey}${e.approvedBy ? `, approved by ${e.approvedBy}` : ''}`;
    }
    case 'verification':
      return `${event.tool}: ${event.ok ? 'verified' : `NOT verified: ${event.detail}`}`;
    case 'completion':
      return `${event.status}${event.by ? ` by ${event.by}` : ''}: "${truncate(event.text, 100)}"`;
    case 'failure':
      return `${event.errorType}: ${truncate(event.message, 120)}`;
    default: {
      // A kind added after this CLI was built still prints, just without a tailored summary.
      const unknown = event as { kind: string };
      return brief(unknown, 120);
    }
  }
}

/** `HH:MM:SS.mmm` of an ISO time (UTC, as recorded by the workflow's clock). */
function clock(iso: string): string {
  const match = /T(\d\d:\d\d:\d\d(?:\.\d{3})?)/.exec(iso);
  return match?.[1] ?? iso;
}

/** One line per event: seq, time, step, kind, summary. */
export function timeline(events: TraceEvent[]): string {
  if (events.length === 0) return '  (no events yet)';
  const kindWidth = Math.max(...events.map((e) => e.kind.length));
  const seqWidth = String(events.length - 1).length;
  return events
    .map(
      (e) =>
        `  ${String(e.seq).padStart(seqWidth)}  ${clock(e.at).padEnd(12)}  step ${String(e.step).padEnd(2)}  ` +
        `${e.kind.padEnd(kindWidth)}  ${summarize(e)}`,
    )
    .join('\n');
}

/** An escalation the way the person deciding it needs to see it: what, why, the proposed call, and how to answer. */
export function escalationView(e: Escalation, opts: { workflowId: string; now?: Date; indent?: string }): string {
  const pad = opts.indent ?? '  ';
  const waited = (opts.now ?? new Date()).getTime() - Date.parse(e.raisedAt);
  const lines = [
    `id         ${e.id}`,
    `kind       ${e.kind}`,
    `reason     ${e.reason}`,
    `step       ${e.step}`,
    `raised     ${e.raisedAt} (waiting ${duration(waited)})`,
    `deadline   ${e.deadline}`,
  ];
  if (e.proposedCall) {
    lines.push(`proposed   ${e.proposedCall.tool} ${JSON.stringify(e.proposedCall.args)}`);
    if (e.proposedCall.reasoning) lines.push(`reasoning  ${truncate(e.proposedCall.reasoning, 200)}`);
  }
  for (const error of e.errors ?? []) lines.push(`error      ${toolCallError(error)}`);
  lines.push(`decisions  ${e.allowedDecisions.join(', ')}`);
  return lines.map((l) => `${pad}${l}`).join('\n');
}

/** The command that resolves an escalation, as a person would type it. */
export function resolveHint(workflowId: string, e: Escalation): string {
  const first = e.allowedDecisions.includes('approve') ? 'approve' : (e.allowedDecisions[0] ?? 'reject');
  return `durable-agent resolve ${workflowId} --decision ${first} --by <your name>   (decisions: ${e.allowedDecisions.join(', ')})`;
}

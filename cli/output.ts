/**
 * Formatting for people: the trace as a timeline, tables, an escalation as the person who must decide sees it.
 * `--json` output bypasses all of this and prints the client's own objects.
 *
 * This is the CLI's output boundary: everything it writes goes through `print`, `printJson` or `printError`, which
 * escape what a terminal would obey (ESC sequences, CR, backspace, DEL, C1, bidi controls; common/text.ts
 * `terminalSafe`). Model text, tool results and names from history are untrusted: escaped, a `\u001b[2K\r` in a
 * model's reasoning cannot erase and rewrite the `proposed` line an approver reads. A one-line field (a table cell,
 * a timeline summary, an escalation's reason) has its newlines escaped too, so it cannot fake a line of its own.
 */
import type { Decision, Escalation } from '../common/escalation';
import { clip, terminalSafe } from '../common/text';
import type { TraceEvent } from '../common/trace';
import { summarize, toolCallError } from '../common/trace-text';

// inbox/escalations.ts still imports summarize from here; the renderer itself lives in common/trace-text.ts.
export { summarize };

/** Writes one JSON document to stdout; the controls JSON leaves raw (DEL, C1, bidi) as `\uXXXX`, the same JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${terminalSafe(JSON.stringify(value, null, 2), { multiline: true })}\n`);
}

/** Writes text to stdout: newlines kept, every other control character escaped. */
export function print(line = ''): void {
  process.stdout.write(`${terminalSafe(line, { multiline: true })}\n`);
}

/** Writes one line to stderr, every control character (newlines too) escaped. */
export function printError(line: string): void {
  process.stderr.write(`${terminalSafe(line)}\n`);
}

/** A value that must stay on its line: newlines and every other control escaped. */
export function oneLineText(text: string): string {
  return terminalSafe(text);
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
export function table(headers: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(oneLineText));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
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
        `${e.kind.padEnd(kindWidth)}  ${oneLineText(summarize(e))}`,
    )
    .join('\n');
}

/**
 * An escalation the way the person deciding it needs to see it: what, why, who may decide, the proposed call with
 * the model's stated confidence and rationale, the arguments of refused calls, whether it repeats an earlier one,
 * how long it has waited and until when, and which decisions apply.
 */
export function escalationView(e: Escalation, opts: { workflowId: string; now?: Date; indent?: string }): string {
  const pad = opts.indent ?? '  ';
  const now = (opts.now ?? new Date()).getTime();
  const waited = now - Date.parse(e.raisedAt);
  const left = Date.parse(e.deadline) - now;
  const lines = [
    `id         ${e.id}`,
    `kind       ${e.kind}`,
    `reason     ${e.reason}`,
    `step       ${e.step}`,
    `approvers  ${e.approvers.length > 0 ? e.approvers.join(', ') : 'anyone who names themselves'}${e.approverKeys ? ' (signed resolutions only)' : ''}`,
    `raised     ${e.raisedAt} (waiting ${duration(waited)})`,
    `deadline   ${e.deadline} (${left > 0 ? `${duration(left)} left` : 'passed'}; escalation timeout ${duration(Date.parse(e.deadline) - Date.parse(e.raisedAt))}, then the run ends timed out)`,
  ];
  if (e.proposedCall) {
    lines.push(`proposed   ${e.proposedCall.tool} ${JSON.stringify(e.proposedCall.args)}`);
    if (e.proposedCall.confidence !== undefined) lines.push(`confidence ${e.proposedCall.confidence}`);
    if (e.proposedCall.rationale) lines.push(`rationale  ${clip(oneLineText(e.proposedCall.rationale), 300)}`);
    // Escaped before it is clipped: a carriage return shows as \u000d rather than as a space.
    if (e.proposedCall.reasoning) lines.push(`reasoning  ${clip(oneLineText(e.proposedCall.reasoning), 200)}`);
  }
  if (e.duplicateOf) lines.push(`duplicate  ${e.duplicateOf.words} (to run it anyway: --duplicate-of ${e.duplicateOf.ref})`);
  for (const error of e.errors ?? []) {
    lines.push(`error      ${toolCallError(error)}`);
    const tried = refusedArgs(e, error.toolUseId);
    if (tried !== undefined) lines.push(`  tried    ${error.tool} ${JSON.stringify(tried)}`);
  }
  lines.push(`decisions  ${neutralOrder(e.allowedDecisions).join(', ')}`);
  // Each line is one field: nothing in a value (the model's reasoning, say) may start a line that looks like another.
  return lines.map((l) => `${pad}${oneLineText(l)}`).join('\n');
}

/** The arguments a refused call carried: the escalation's proposed call when it is that call. */
function refusedArgs(e: Escalation, toolUseId: string): unknown {
  if (e.proposedCall?.toolUseId === toolUseId) return undefined; // already shown as the proposed call
  return e.refusedCalls?.find((c) => c.toolUseId === toolUseId)?.args;
}

/** Decisions in alphabetical order: the list a person reads must not suggest one (approve first would). */
export function neutralOrder(decisions: readonly Decision[]): Decision[] {
  return [...decisions].sort();
}

/** The command that resolves an escalation, as a person would type it: no decision filled in for them. */
export function resolveHint(workflowId: string, e: Escalation): string {
  return `durable-agent resolve ${workflowId} --escalation ${e.id} --decision <${neutralOrder(e.allowedDecisions).join('|')}> --by <your name>`;
}

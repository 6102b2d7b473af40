/**
 * Formatting for people: the trace as a timeline, tables, an escalation as the person who must decide sees it.
 * `--json` output bypasses all of this and prints the client's own objects.
 */
import type { Escalation } from '../common/escalation';
import { clip } from '../common/text';
import type { TraceEvent } from '../common/trace';
import { summarize, toolCallError } from '../common/trace-text';

// inbox/escalations.ts still imports summarize from here; the renderer itself lives in common/trace-text.ts.
export { summarize };

/** Writes one JSON document to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
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
    if (e.proposedCall.reasoning) lines.push(`reasoning  ${clip(e.proposedCall.reasoning, 200)}`);
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

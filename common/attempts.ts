/**
 * A retried activity's attempts in words: "took 6 attempts: rate limited 5 times, waited 5.2 s in all". Pure, so
 * the workflow (trace, escalation reasons), the CLI (`explain`) and the inbox word them alike.
 */
import type { AttemptRecord, AttemptsSummary } from './model';

const WORDS: Record<Exclude<AttemptRecord['kind'], 'worker_lost'>, string> = {
  rate_limited: 'rate limited',
  overloaded: 'overloaded',
  server_error: 'server error',
  transport: 'transport failure',
  failed: 'failed',
};

/**
 * What the failed attempts were, grouped by kind in the order they first happened, with the waits they asked for.
 *
 * @example
 * attemptsText({ count: 6, reasons: fiveRateLimits, waitedMs: 5_200 });
 * // 'took 6 attempts: rate limited 5 times, waited 5.2 s in all'
 * attemptsText({ count: 2, reasons: [{ attempt: 1, kind: 'worker_lost' }], waitedMs: 0 });
 * // "took 2 attempts: attempt 1's worker was lost, retried after its heartbeat timeout"
 */
export function attemptsText(summary: AttemptsSummary): string {
  const groups = new Map<AttemptRecord['kind'], AttemptRecord[]>();
  for (const r of summary.reasons) groups.set(r.kind, [...(groups.get(r.kind) ?? []), r]);
  const parts: string[] = [];
  for (const [kind, records] of groups) {
    if (kind === 'worker_lost') {
      parts.push(
        records.length === 1
          ? `attempt ${records[0]?.attempt}'s worker was lost, retried after its heartbeat timeout`
          : `the workers of attempts ${records.map((r) => r.attempt).join(', ')} were lost, each retried after its heartbeat timeout`,
      );
      continue;
    }
    const times = records.length === 1 ? 'once' : `${records.length} times`;
    parts.push(`${WORDS[kind]} ${times}`);
  }
  const waited = summary.waitedMs > 0 ? `, waited ${seconds(summary.waitedMs)} in all` : '';
  const what = parts.length > 0 ? `: ${parts.join('; ')}${waited}` : '';
  return `took ${summary.count} attempt${summary.count === 1 ? '' : 's'}${what}`;
}

/** The last attempt's position and what came before it, for a ledger entry: "ran on attempt 2 after the worker was lost". */
export function ranOnAttemptText(summary: AttemptsSummary): string {
  const lost = summary.reasons.filter((r) => r.kind === 'worker_lost').length;
  const failed = summary.reasons.length - lost;
  const after = [lost > 0 ? (lost === 1 ? 'the worker was lost' : `the worker was lost ${lost} times`) : '', failed > 0 ? `${failed} failed attempt${failed === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(' and ');
  return `ran on attempt ${summary.count}${after ? ` after ${after}` : ''}`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

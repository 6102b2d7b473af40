/**
 * The model's repeats must not become a person's mistake. Idempotency keys make a retried call exactly-once, but a
 * model that proposes the same action again (same tool, same arguments, a new tool_use id) gets a new key: each
 * approval would run it again. So the second proposal of an action that already ran, or that a person was already
 * asked about, is marked as a duplicate of the first, and running it takes a decision that names the first.
 */
import { canonicalJson } from '../common/approval-proof';
import type { DuplicateOf } from '../common/escalation';
import type { LedgerEntry, Recommendation } from '../common/run';
import type { TraceEvent } from '../common/trace';

export interface RunRecord {
  ledger: readonly LedgerEntry[];
  recommendations: readonly Recommendation[];
  trace: readonly TraceEvent[];
}

/** The earlier action or proposal this call repeats, if any: an action that ran first, else an earlier ask. */
export function earlierSame(run: RunRecord, tool: string, args: unknown, toolUseId: string): DuplicateOf | undefined {
  const same = canonicalJson({ tool, args });
  const done = run.ledger.find((e) => e.toolUseId !== toolUseId && canonicalJson({ tool: e.tool, args: e.args }) === same);
  if (done) return { ref: done.toolUseId, words: `already done at step ${done.step} (${done.toolUseId})` };
  for (const event of run.trace) {
    if (event.kind !== 'escalation') continue;
    const call = event.escalation.proposedCall;
    if (call && call.toolUseId !== toolUseId && canonicalJson({ tool: call.tool, args: call.args }) === same) {
      return { ref: event.escalation.id, words: `same as ${event.escalation.id}` };
    }
  }
  const recommended = run.recommendations.find((r) => r.toolUseId !== toolUseId && canonicalJson({ tool: r.tool, args: r.args }) === same);
  if (recommended) return { ref: recommended.toolUseId, words: `same as the recommendation at step ${recommended.step} (${recommended.toolUseId})` };
  return undefined;
}

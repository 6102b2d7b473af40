/**
 * The model's repeats must not become a person's mistake. Idempotency keys make a retried call exactly-once, but a
 * model that proposes the same action again (same tool, same arguments, a new tool_use id) gets a new key: each
 * approval would run it again. So the second proposal of an action that already ran, or that a person was already
 * asked about, is marked as a duplicate of the first, and running it takes a decision that names the first.
 *
 * The current execution's ledger and trace are in memory; what earlier executions did and asked travels across
 * continue-as-new as marks (a fingerprint of tool and arguments, and the words to name the first), not as the
 * record itself, so the carried state does not grow with what each action's arguments and results hold.
 */
import { canonicalJson } from '../common/approval-proof';
import type { DuplicateOf } from '../common/escalation';
import { fingerprint } from '../common/fingerprint';
import type { LedgerEntry, Recommendation } from '../common/run';
import type { ActionMark } from '../common/run-record';
import type { TraceEvent } from '../common/trace';

export interface RunRecord {
  ledger: readonly LedgerEntry[];
  recommendations: readonly Recommendation[];
  trace: readonly TraceEvent[];
  /** Marks carried from earlier executions. */
  earlier?: readonly ActionMark[];
}

/** The earlier action or proposal this call repeats, if any: an action that ran first, else an earlier ask. */
export function earlierSame(run: RunRecord, tool: string, args: unknown, toolUseId: string): DuplicateOf | undefined {
  const same = canonicalJson({ tool, args });
  const marked = (kind: ActionMark['kind']) => {
    const print = fingerprint(same);
    return run.earlier?.find((m) => m.kind === kind && m.toolUseId !== toolUseId && m.fingerprint === print)?.duplicateOf;
  };
  const done = run.ledger.find((e) => e.toolUseId !== toolUseId && canonicalJson({ tool: e.tool, args: e.args }) === same);
  if (done) return doneBefore(done);
  const doneEarlier = marked('done');
  if (doneEarlier) return doneEarlier;
  for (const event of run.trace) {
    const call = event.kind === 'escalation' ? event.escalation.proposedCall : undefined;
    if (event.kind === 'escalation' && call && call.toolUseId !== toolUseId && canonicalJson({ tool: call.tool, args: call.args }) === same) {
      return { ref: event.escalation.id, words: `same as ${event.escalation.id}` };
    }
  }
  const askedEarlier = marked('asked');
  if (askedEarlier) return askedEarlier;
  const recommended = run.recommendations.find((r) => r.toolUseId !== toolUseId && canonicalJson({ tool: r.tool, args: r.args }) === same);
  if (recommended) return { ref: recommended.toolUseId, words: `same as the recommendation at step ${recommended.step} (${recommended.toolUseId})` };
  return undefined;
}

/** The marks the next execution needs: the earlier ones, and this execution's actions and escalated proposals. */
export function actionMarks(run: RunRecord): ActionMark[] {
  const marks = [...(run.earlier ?? [])];
  for (const entry of run.ledger) {
    marks.push({ kind: 'done', fingerprint: fingerprint(canonicalJson({ tool: entry.tool, args: entry.args })), toolUseId: entry.toolUseId, duplicateOf: doneBefore(entry) });
  }
  for (const event of run.trace) {
    const call = event.kind === 'escalation' ? event.escalation.proposedCall : undefined;
    if (event.kind !== 'escalation' || !call) continue;
    const duplicateOf = { ref: event.escalation.id, words: `same as ${event.escalation.id}` };
    marks.push({ kind: 'asked', fingerprint: fingerprint(canonicalJson({ tool: call.tool, args: call.args })), toolUseId: call.toolUseId, duplicateOf });
  }
  return marks;
}

function doneBefore(entry: LedgerEntry): DuplicateOf {
  return { ref: entry.toolUseId, words: `already done at step ${entry.step} (${entry.toolUseId})` };
}

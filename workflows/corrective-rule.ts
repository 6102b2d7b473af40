/**
 * The corrective rule, the product's first sentence as a pure function: a turn whose calls all worked moves on;
 * a failed turn earns the model a corrective attempt while the budget lasts; past it, a person decides. Some
 * failures no corrective attempt can fix (a tool the worker no longer has): those go to a person at once.
 *
 * Pure and deterministic (no Temporal imports), so the whole table is tested without a server
 * (test/unit/corrective-rule.test.ts).
 */
import type { ToolCallError } from '../common/trace';

export type Move =
  /** Every call of the turn worked: the failure streak resets. */
  | { kind: 'next' }
  /** The model is told what failed and tries again: corrective attempt `attempt` of `of`. */
  | { kind: 'correct'; attempt: number; of: number }
  /** The model does not get to loop: a person decides the failed turn. `streak` counts this turn. */
  | { kind: 'escalate'; streak: number; why: 'budget_spent' | 'not_correctable' };

/** Failures the model cannot correct by trying again: the tool exists in the run's spec but not on this worker. */
export const NOT_CORRECTABLE: readonly ToolCallError['code'][] = ['tool_unavailable'];

export interface TurnTally {
  /** Failed turns in a row before this one. */
  streak: number;
  /** This turn's failures that count toward the corrective budget. */
  failures: readonly Pick<ToolCallError, 'code'>[];
  /** Corrective attempts allowed after a failed turn. */
  budget: number;
}

/** The next move after a turn. */
export function nextMove({ streak, failures, budget }: TurnTally): Move {
  if (failures.length === 0) return { kind: 'next' };
  const failedInARow = streak + 1;
  if (failures.some((f) => NOT_CORRECTABLE.includes(f.code))) return { kind: 'escalate', streak: failedInARow, why: 'not_correctable' };
  if (failedInARow <= budget) return { kind: 'correct', attempt: failedInARow, of: budget };
  return { kind: 'escalate', streak: failedInARow, why: 'budget_spent' };
}

/** The failure streak a move leaves behind (a person's decision starts the count again). */
export function streakAfter(move: Move): number {
  return move.kind === 'correct' ? move.attempt : 0;
}

/**
 * The corrective rule as a table: validate, correct once (or as many times as the budget says), escalate.
 */
import { nextMove, streakAfter, type Move, type TurnTally } from '../../workflows/corrective-rule';

const invalid = { code: 'invalid_input' as const };
const gone = { code: 'tool_unavailable' as const };

const TABLE: [string, TurnTally, Move][] = [
  ['a clean turn moves on', { streak: 0, failures: [], budget: 1 }, { kind: 'next' }],
  ['a clean turn after failures moves on (the streak resets)', { streak: 1, failures: [], budget: 1 }, { kind: 'next' }],
  ['the first failure gets corrective attempt 1 of 1', { streak: 0, failures: [invalid], budget: 1 }, { kind: 'correct', attempt: 1, of: 1 }],
  ['a second failure in a row escalates', { streak: 1, failures: [invalid], budget: 1 }, { kind: 'escalate', streak: 2, why: 'budget_spent' }],
  ['several failures in one turn still count as one failed turn', { streak: 0, failures: [invalid, invalid], budget: 1 }, { kind: 'correct', attempt: 1, of: 1 }],
  ['budget 0: the first failure escalates', { streak: 0, failures: [invalid], budget: 0 }, { kind: 'escalate', streak: 1, why: 'budget_spent' }],
  ['budget 3: the third failure is attempt 3 of 3', { streak: 2, failures: [invalid], budget: 3 }, { kind: 'correct', attempt: 3, of: 3 }],
  ['budget 3: the fourth escalates', { streak: 3, failures: [invalid], budget: 3 }, { kind: 'escalate', streak: 4, why: 'budget_spent' }],
  ['a tool the worker lost escalates at once, budget or not', { streak: 0, failures: [invalid, gone], budget: 1 }, { kind: 'escalate', streak: 1, why: 'not_correctable' }],
];

test.each(TABLE)('%s', (_name, tally, expected) => {
  expect(nextMove(tally)).toEqual(expected);
});

test('the streak a move leaves: the attempt number after a correction, zero otherwise', () => {
  expect(streakAfter({ kind: 'next' })).toBe(0);
  expect(streakAfter({ kind: 'correct', attempt: 2, of: 3 })).toBe(2);
  expect(streakAfter({ kind: 'escalate', streak: 2, why: 'budget_spent' })).toBe(0);
});

/**
 * One turn: the model's response in, one user message out. Validate (the verdicts came with the response),
 * dispatch each call, count the failures, then the corrective rule decides: next step, corrective attempt, or a
 * person. Read top to bottom, this file is "validate, correct once, escalate".
 *
 * Each step returns a value; nothing here edits a message after it was added to the conversation. The user
 * message is built once, by `userMessage`, after a person's decision is applied.
 */
import type { RefusedCall, Resolution } from '../common/escalation';
import type { ModelCallResult, ProposedToolCall, TextBlock, ToolResultBlock } from '../common/model';
import type { ToolCallError } from '../common/trace';
import { nextMove, streakAfter, type Move } from './corrective-rule';
import type { RunContext } from './run-context';
import { patched } from '@temporalio/workflow';
import { dispatchToolCall, runToolCall, settlesWithoutAPerson, type CallOutcome } from './tool-dispatch';

export interface TurnOutcome {
  /** One tool_result per tool_use, in the order the model sent them. */
  results: ToolResultBlock[];
  /** Text for the model after the results: why unusable blocks were ignored, a person's words. */
  notes: string[];
  /** Exactly what counts toward the corrective budget: refused blocks, refused calls, failed calls. */
  failures: ToolCallError[];
}

/**
 * Plays a turn to its end: dispatches the calls, applies the corrective rule, and when a person must decide,
 * applies their decision. Returns the user message for the next model step, and records the move in the trace.
 * Can end the run (an escalation that times out or is aborted).
 */
export async function playTurnOrEnd(run: RunContext, response: ModelCallResult): Promise<(TextBlock | ToolResultBlock)[]> {
  const outcome = await runTurn(run, response);
  const move = nextMove({ streak: run.failureStreak, failures: outcome.failures, budget: run.correctiveRetries });
  run.failureStreak = streakAfter(move);
  if (move.kind === 'correct') {
    run.trace.record({ kind: 'corrective_retry', attempt: move.attempt, of: move.of, errors: outcome.failures });
  }
  const settled = move.kind === 'escalate' ? await settleFailedTurnOrEnd(run, response, outcome, move) : outcome;
  return userMessage(settled);
}

/**
 * Runs started before reads ran concurrently dispatched every call of a response one after another; they replay
 * that way (a concurrent batch schedules its activities in one workflow task, which their histories do not have).
 */
export const PARALLEL_READS_PATCH = 'parallel-reads';

/**
 * Refuses unusable blocks and dispatches the calls; returns what happened, in the order the model sent them.
 * Consecutive calls that settle without a person and without acting (reads the policy runs, refusals) run
 * concurrently: three 200 ms lookups take 200 ms. A call that acts or waits for a person runs alone, in order,
 * so its escalation is one of its own and a write never races another call.
 */
export async function runTurn(run: RunContext, response: ModelCallResult): Promise<TurnOutcome> {
  // Blocks the agent cannot use (an unknown type, a malformed tool_use) never run; each is a failure of the turn.
  const refused = response.refusedBlocks ?? [];
  for (const error of refused) run.trace.record({ kind: 'validation_error', error, args: null });
  const calls = response.toolCalls;
  const concurrent = calls.length > 1 && patched(PARALLEL_READS_PATCH);
  const outcomes: CallOutcome[] = [];
  while (outcomes.length < calls.length) {
    const batch = concurrent ? concurrentBatch(run, calls.slice(outcomes.length)) : [calls[outcomes.length]!];
    outcomes.push(...(await Promise.all(batch.map((call) => dispatchToolCall(run, call, response.text)))));
  }
  const failures = [...refused, ...outcomes.flatMap((o) => (o.failure ? [o.failure] : []))];
  return { results: outcomes.map((o) => o.block), notes: refused.map((e) => e.message), failures };
}

/** The calls from the first on that may run together: the leading ones that settle without a person, else the first alone. */
function concurrentBatch(run: RunContext, calls: ProposedToolCall[]): ProposedToolCall[] {
  const end = calls.findIndex((call) => !settlesWithoutAPerson(run, call));
  return end === 0 ? calls.slice(0, 1) : end === -1 ? calls : calls.slice(0, end);
}

/**
 * The corrective attempts failed too (or the failure is one no attempt can fix): a person decides, and the turn's
 * outcome is returned with the decision applied: an edited call's real result in place of its error, or the
 * person's words for the model. Can end the run.
 */
async function settleFailedTurnOrEnd(
  run: RunContext,
  response: ModelCallResult,
  outcome: TurnOutcome,
  move: Extract<Move, { kind: 'escalate' }>,
): Promise<TurnOutcome> {
  const editable = editableCall(run, response, outcome.failures);
  const what = outcome.failures.some((e) => e.code === 'invalid_block') ? "the model's responses could not be used" : 'tool calls failed';
  const why =
    move.why === 'not_correctable'
      ? `${what}, and no corrective attempt can fix it: ${outcome.failures.filter((f) => f.code === 'tool_unavailable').map((f) => f.message).join(' ')}`
      : `${what} ${move.streak} turn(s) in a row (corrective attempts allowed: ${run.correctiveRetries})`;
  const resolution = await run.escalateOrEnd('invalid_tool_calls', why, {
    errors: outcome.failures,
    refusedCalls: refusedCalls(response, outcome.failures),
    proposedCall: editable && { toolUseId: editable.toolUseId, tool: editable.name, args: editable.input, reasoning: response.text },
  });
  return applyDecision(run, outcome, resolution, editable);
}

/** What the model tried in each refused call, so the person deciding sees the arguments and not only the error. */
function refusedCalls(response: ModelCallResult, failures: ToolCallError[]): RefusedCall[] {
  const failed = new Set(failures.map((f) => f.toolUseId));
  return response.toolCalls.filter((c) => failed.has(c.toolUseId)).map((c) => ({ toolUseId: c.toolUseId, tool: c.name, args: c.input }));
}

/** The call a person may correct: the last failed call to a tool the run has and may use. */
function editableCall(run: RunContext, response: ModelCallResult, failures: ToolCallError[]): ProposedToolCall | undefined {
  const failed = new Set(failures.map((f) => f.toolUseId));
  const usable = (c: ProposedToolCall) => failed.has(c.toolUseId) && run.tool(c.name) !== undefined && run.inScope(c.name);
  return [...response.toolCalls].reverse().find(usable);
}

async function applyDecision(run: RunContext, outcome: TurnOutcome, resolution: Resolution, editable?: ProposedToolCall): Promise<TurnOutcome> {
  const tool = editable && run.tool(editable.name);
  if (resolution.decision === 'edit' && editable && tool) {
    const { block } = await runToolCall(run, {
      tool,
      toolUseId: editable.toolUseId,
      args: resolution.args as Record<string, unknown>,
      reasoning: `edited by ${resolution.by}`,
      approvedBy: resolution.by,
      edited: { by: resolution.by, proposedArgs: editable.input },
    });
    // The edited call's real result replaces its error: the model must learn the call ran, or it may call again
    // under a new id (and a new idempotency key).
    return { ...outcome, results: outcome.results.map((r) => (r.tool_use_id === editable.toolUseId ? block : r)) };
  }
  const said =
    resolution.decision === 'answer'
      ? `${resolution.by} reviewed your failed tool calls and says: ${resolution.text ?? ''}`
      : `${resolution.by} reviewed your failed tool calls and rejected them; do not repeat them.${resolution.text ? ` ${resolution.text}` : ''}`;
  return { ...outcome, notes: [...outcome.notes, said] };
}

/** The one place a turn's user message is built: the tool_results first (the API requires it), then the notes. */
export function userMessage(outcome: Pick<TurnOutcome, 'results' | 'notes'>): (TextBlock | ToolResultBlock)[] {
  return [...outcome.results, ...outcome.notes.map((text): TextBlock => ({ type: 'text', text }))];
}

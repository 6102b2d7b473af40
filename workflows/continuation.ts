/**
 * Continue-as-new: a long run goes on in a fresh execution before its history grows past the thresholds, so no
 * execution's history nears Temporal's limits however many steps the run takes. The conversation travels by
 * reference, the trace and ledger by reference too (workflows/record-archive.ts), and the budgets and escalation
 * count go with it: the run reads as one run, and what each execution starts from does not grow with the run.
 */
import { allHandlersFinished, condition, makeContinueAsNewFunc, patched, workflowInfo } from '@temporalio/workflow';
import { CONTINUE_AS_NEW_DEFAULTS } from '../common/defaults';
import type { AgentRunInput, RunContinuation } from '../common/run';
import { actionMarks } from './duplicates';
import { ARCHIVED_RECORD_PATCH, archiveAfterHandlers } from './record-archive';
import type { agentWorkflow } from './agent-workflow';
import type { RunContext } from './run-context';

export { CONTINUE_AS_NEW_DEFAULTS };

/** Runs recorded before continue-as-new existed went on in one execution; on replay they still do. */
export const CONTINUE_AS_NEW_PATCH = 'continue-as-new';

export function historyIsLong(run: RunContext): boolean {
  // Each execution takes at least one step: its own start (re-reading the agent's policy) adds events, and with a
  // low maxEvents it would otherwise continue as new again before doing anything, forever.
  if (run.policyFromRegistry && run.state.step === run.stepAtStart) return false;
  const info = workflowInfo();
  const limits = { ...CONTINUE_AS_NEW_DEFAULTS, ...run.input.options?.continueAsNew };
  const long = info.continueAsNewSuggested || info.historyLength >= limits.maxEvents || info.historySize >= limits.maxBytes;
  return long && patched(CONTINUE_AS_NEW_PATCH);
}

/** Waits for Update and Signal handlers to finish, then continues as new. Never returns. */
export async function continueRun(run: RunContext): Promise<never> {
  const info = workflowInfo();
  const next: AgentRunInput = { ...run.input, continued: await carriedState(run) };
  // The memo and search attributes (agent, status, correlation id) stay with the run in the Temporal UI.
  const continueAsNew = makeContinueAsNewFunc<typeof agentWorkflow>({ memo: info.memo, typedSearchAttributes: info.typedSearchAttributes });
  return continueAsNew(next);
}

/** What the next execution starts from. Its record travels as heads in the store, or (older runs) whole. */
async function carriedState(run: RunContext): Promise<RunContinuation> {
  const archived = patched(ARCHIVED_RECORD_PATCH) ? await archiveAfterHandlers(run) : undefined;
  if (!archived) await condition(allHandlersFinished);
  // Read after the last await: a handler that ran meanwhile is in what is carried.
  return {
    executions: (run.input.continued?.executions ?? 0) + 1,
    conversation: run.conversation.state,
    step: run.state.step,
    usage: run.state.usage,
    costUsd: run.state.costUsd,
    limits: run.limits,
    spec: run.spec,
    trace: archived ? [] : run.trace.events,
    ledger: archived ? [] : run.ledger,
    recommendations: run.recommendations,
    escalations: run.escalationCount,
    failureStreak: run.failureStreak,
    ...(archived ? { record: { archived, actions: actionMarks({ ledger: run.ledger, trace: run.trace.events, recommendations: [], earlier: run.earlierActions }), ...run.details.carried } } : {}),
  };
}

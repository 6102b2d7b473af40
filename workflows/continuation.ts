/**
 * Continue-as-new: a long run goes on in a fresh execution before its history grows past the thresholds, so no
 * execution's history nears Temporal's limits however many steps the run takes. The conversation travels by
 * reference, and the trace, budgets, ledger and escalation count go with it: the run reads as one run.
 */
import { allHandlersFinished, condition, makeContinueAsNewFunc, patched, workflowInfo } from '@temporalio/workflow';
import { CONTINUE_AS_NEW_DEFAULTS } from '../common/defaults';
import type { AgentRunInput } from '../common/run';
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
  await condition(allHandlersFinished);
  const info = workflowInfo();
  const next: AgentRunInput = {
    ...run.input,
    continued: {
      executions: (run.input.continued?.executions ?? 0) + 1,
      conversation: run.conversation.state,
      step: run.state.step,
      usage: run.state.usage,
      costUsd: run.state.costUsd,
      limits: run.limits,
      spec: run.spec,
      trace: run.trace.events,
      ledger: run.ledger,
      recommendations: run.recommendations,
      escalations: run.escalationCount,
      failureStreak: run.failureStreak,
    },
  };
  // The memo and search attributes (agent, status, correlation id) stay with the run in the Temporal UI.
  const continueAsNew = makeContinueAsNewFunc<typeof agentWorkflow>({ memo: info.memo, typedSearchAttributes: info.typedSearchAttributes });
  return continueAsNew(next);
}

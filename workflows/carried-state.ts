/**
 * Carried state (the conversation, ledger, trace, budgets spent, escalation count) enters an execution only from
 * that execution's own predecessor, by continue-as-new. Any client of the namespace can start `agentWorkflow`
 * with a `continued` field it wrote itself, and Temporal gives later runs a predecessor on three paths: the run's
 * own continue-as-new, a client-set retry policy (attempt > 1) and a client-set cron schedule. Only the first is
 * the run's own; the other two, and a plain start, are refused before anything runs.
 *
 * Pure and deterministic: the workflow passes in its `workflowInfo()`; test/unit/carried-state.unit.test.ts
 * tests it without a server.
 */
import type { AgentRunInput } from '../common/run';

export interface ExecutionOrigin {
  /** Set by the server on continue-as-new, and also on retries and cron runs. */
  continuedFromExecutionRunId?: string;
  attempt: number;
  cronSchedule?: string;
}

/** Why this execution may not take the input's carried state; undefined when it may (or there is none). */
export function carriedStateRefusal(input: Pick<AgentRunInput, 'continued'>, origin: ExecutionOrigin): string | undefined {
  if (input.continued === undefined || input.continued === null) return undefined;
  if (origin.cronSchedule) return 'the input carries a continued run, but this execution was started by a cron schedule';
  if (origin.attempt > 1) return `the input carries a continued run, but this execution is retry attempt ${origin.attempt}`;
  if (!origin.continuedFromExecutionRunId) return 'the input carries a continued run, but this execution was started by a client, not continued by the run';
  return undefined;
}

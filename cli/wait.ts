/**
 * Waiting on a run from the outside: until it ends, or until it stops to wait for a person. A CLI that waited on
 * a person indefinitely would just hang, so an escalation ends the wait too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError } from '@temporalio/client';
import type { AgentRun } from '../client/agent-client';
import type { Escalation } from '../common/escalation';
import type { AgentRunResult } from '../common/run';
import { ESCALATION_PENDING } from '../common/search-attributes';

// cli/commands/server.ts still imports sleep from here; it is Node's own (node:timers/promises).
export { sleep };

export type RunOutcome =
  | { kind: 'closed'; runId: string; result: AgentRunResult }
  | { kind: 'escalated'; runId: string; escalation: Escalation };

/** Consecutive describe failures a wait rides out. */
const TRANSIENT_RETRIES = 5;

export interface WaitOptions {
  pollMs?: number;
  /** Called once if the run has made no visible progress after this long (no worker polling, usually). */
  slowAfterMs?: number;
  onSlow?: () => void;
  /** Give up after this long (default: never). */
  timeoutMs?: number;
}

/**
 * Polls the run's description: the EscalationPending search attribute is part of it, so waiting needs no worker
 * to answer queries until there is an escalation to read.
 */
export async function waitForOutcome(run: AgentRun, opts: WaitOptions = {}): Promise<RunOutcome> {
  const started = Date.now();
  let warned = false;
  let transient = 0;
  for (;;) {
    let description;
    try {
      description = await run.describe();
      transient = 0;
    } catch (err) {
      // A busy server can fail one describe (a deadline, a run changing hands as it continues as new): try again a
      // few times before giving up, so a long wait does not end on one slow answer.
      if (!(err instanceof ServiceError) || ++transient > TRANSIENT_RETRIES) throw err;
      await sleep(500 * transient);
      continue;
    }
    if (description.status.name !== 'RUNNING') {
      return { kind: 'closed', runId: description.runId, result: await run.result() };
    }
    if (description.typedSearchAttributes.get(ESCALATION_PENDING)) {
      const escalation = await run.pendingEscalation();
      if (escalation) return { kind: 'escalated', runId: description.runId, escalation };
    }
    const waited = Date.now() - started;
    if (!warned && opts.onSlow && waited > (opts.slowAfterMs ?? 15_000) && description.historyLength <= 3) {
      warned = true;
      opts.onSlow();
    }
    if (opts.timeoutMs !== undefined && waited > opts.timeoutMs) {
      throw new Error(
        `run ${run.workflowId} neither ended nor escalated within ${Math.round(opts.timeoutMs / 1000)} s`,
      );
    }
    await sleep(opts.pollMs ?? 250);
  }
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C, or a supervisor stopping the process). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

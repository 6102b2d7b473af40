/**
 * Run budgets: steps, tokens, estimated cost, wall-clock time. Reaching one escalates with the figure, never a
 * silent stop or an endless loop. A person may grant the same allowance again (approve, answer) or end the run
 * (reject, abort). Checked before each model step.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { TraceEventBody } from '../common/trace';
import { RunEnded, type RunContext } from './run-context';

type Breach = Omit<Extract<TraceEventBody, { kind: 'limit_reached' }>, 'kind'>;

function firstBreach(run: RunContext): Breach | undefined {
  const { state, limits } = run;
  const tokens = state.usage.inputTokens + state.usage.outputTokens;
  if (state.step >= limits.maxSteps) return { limit: 'steps', value: state.step, max: limits.maxSteps };
  if (tokens >= limits.maxTokens) return { limit: 'tokens', value: tokens, max: limits.maxTokens };
  if (limits.maxCostUsd !== undefined && state.costUsd >= limits.maxCostUsd) {
    return { limit: 'cost', value: Math.round(state.costUsd * 1e6) / 1e6, max: limits.maxCostUsd };
  }
  if (limits.maxDurationMs !== undefined) {
    const elapsed = Date.now() - workflowInfo().startTime.getTime();
    if (elapsed >= limits.maxDurationMs) return { limit: 'time', value: elapsed, max: limits.maxDurationMs };
  }
  return undefined;
}

const UNITS: Record<Breach['limit'], string> = { steps: 'steps', tokens: 'tokens', cost: 'USD (estimated)', time: 'ms' };

export async function enforceLimits(run: RunContext): Promise<void> {
  const breach = firstBreach(run);
  if (!breach) return;
  run.trace.record({ kind: 'limit_reached', ...breach });
  const figure = `${breach.value} of ${breach.max} ${UNITS[breach.limit]}`;
  const resolution = await run.escalateOrEnd('limit_reached', `${breach.limit} limit reached: ${figure}`);
  if (resolution.decision === 'reject') {
    throw new RunEnded('failed', `${breach.limit} limit reached (${figure}); more was refused by ${resolution.by}`, 'LimitReached');
  }
  // approve or answer: grant the same allowance again.
  const base = { ...run.spec.limits, ...run.input.options?.limits };
  const limits = run.limits;
  if (breach.limit === 'steps') limits.maxSteps += base.maxSteps;
  else if (breach.limit === 'tokens') limits.maxTokens += base.maxTokens;
  else if (breach.limit === 'cost') limits.maxCostUsd = run.state.costUsd + (base.maxCostUsd ?? 0);
  else limits.maxDurationMs = Date.now() - workflowInfo().startTime.getTime() + (base.maxDurationMs ?? 0);
  if (resolution.decision === 'answer' && resolution.text) run.conversation.addUserText(`${resolution.by}: ${resolution.text}`);
}

/**
 * Run limits: reaching one escalates with the figure, never a silent stop or an endless loop. A person may grant
 * the same allowance again (approve, answer) or end the run (reject, abort).
 */
import { addUserText } from './conversation';
import { RunEnded, type RunContext } from './run-context';

export async function enforceLimits(run: RunContext): Promise<void> {
  const { state, limits } = run;
  const tokens = state.usage.inputTokens + state.usage.outputTokens;
  const breach =
    state.step >= limits.maxSteps
      ? ({ limit: 'steps', value: state.step, max: limits.maxSteps } as const)
      : tokens >= limits.maxTokens
        ? ({ limit: 'tokens', value: tokens, max: limits.maxTokens } as const)
        : undefined;
  if (!breach) return;
  run.trace.record({ kind: 'limit_reached', ...breach });
  const resolution = await run.escalate('limit_reached', `${breach.limit} limit reached: ${breach.value} of ${breach.max}`);
  if (resolution.decision === 'reject') {
    throw new RunEnded('failed', `${breach.limit} limit reached (${breach.value} of ${breach.max}); more was refused by ${resolution.by}`, 'LimitReached');
  }
  const base = { ...run.spec.limits, ...run.input.options?.limits };
  if (breach.limit === 'steps') limits.maxSteps += base.maxSteps;
  else limits.maxTokens += base.maxTokens;
  if (resolution.decision === 'answer' && resolution.text) addUserText(run.messages, `${resolution.by}: ${resolution.text}`);
}

import { carriedStateRefusal } from '../../workflows/carried-state';
import type { RunContinuation } from '../../common/run';

const continued = { executions: 1 } as RunContinuation;

test.each([
  ['a first execution without carried state', {}, { attempt: 1 }, undefined],
  ['a retry without carried state', {}, { attempt: 2, continuedFromExecutionRunId: 'r1' }, undefined],
  ["the run's own continue-as-new", { continued }, { attempt: 1, continuedFromExecutionRunId: 'r1' }, undefined],
  ['carried state from a plain client start', { continued }, { attempt: 1 }, 'started by a client'],
  ['carried state on a retry', { continued }, { attempt: 2, continuedFromExecutionRunId: 'r1' }, 'retry attempt 2'],
  ['carried state on a cron run', { continued }, { attempt: 1, continuedFromExecutionRunId: 'r1', cronSchedule: '@every 1s' }, 'cron schedule'],
  ['carried state on the first cron run', { continued }, { attempt: 1, cronSchedule: '@every 1s' }, 'cron schedule'],
] as const)('%s', (_name, input, origin, refusal) => {
  const why = carriedStateRefusal(input, origin);
  if (refusal === undefined) expect(why).toBeUndefined();
  else expect(why).toContain(refusal);
});

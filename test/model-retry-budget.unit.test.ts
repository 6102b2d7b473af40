/**
 * Rate limits and overload are the API's weather: classified as such (429, 529, `overloaded_error`), waited out
 * after `retry-after-ms` or `retry-after`, and retried for a time budget, not a count; other failures keep their
 * count. The attempts are recorded in heartbeat details and summed up in words. test/model-rate-limits.test.ts runs
 * them through workers on a dev server.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ApplicationFailure } from '@temporalio/common';
import { AttemptTracker } from '../activities/attempts';
import { attemptsAlreadySpent, boundedFailure, classifyModelError, retryAfterMs } from '../activities/model-errors';
import { attemptsText, ranOnAttemptText } from '../common/attempts';
import type { AttemptsSummary } from '../common/model';
import type { AgentSpec, RunOptions } from '../common/run';
import { modelRetryBounds } from '../workflows/agent-workflow';
import { stepPolicy } from '../activities/model-call';
import { stricterSpec } from '../workflows/run-policy';

function apiError(status: number, type: string, message: string, headers: Record<string, string> = {}) {
  return Anthropic.APIError.generate(status, { type: 'error', error: { type, message } }, undefined, new Headers(headers));
}

/** An activity context as the tracker sees it: the attempt, the details the last attempt left, and the beats sent. */
function attemptContext(attempt: number, heartbeatDetails?: unknown) {
  const beats: unknown[] = [];
  return { beats, ctx: { info: { attempt, heartbeatDetails }, heartbeat: (d?: unknown) => beats.push(d) } as unknown as ConstructorParameters<typeof AttemptTracker>[0] };
}

const noJitter = () => 0;

describe('retry-after parsing', () => {
  test('retry-after-ms wins over retry-after; seconds; an HTTP date; nothing usable is undefined', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), noJitter)).toBe(1500);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), noJitter)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }), noJitter)).toBe(500);
    const date = new Date(Date.now() + 30_000).toUTCString();
    const fromDate = retryAfterMs(new Headers({ 'retry-after': date }), noJitter);
    expect(fromDate).toBeGreaterThan(25_000);
    expect(fromDate).toBeLessThanOrEqual(30_000);
    // An unusable retry-after-ms falls back to retry-after.
    expect(retryAfterMs(new Headers({ 'retry-after-ms': 'soon', 'retry-after': '3' }), noJitter)).toBe(3000);
    for (const value of ['', '0', '-4', 'soon', new Date(Date.now() - 60_000).toUTCString()]) {
      expect(retryAfterMs(new Headers({ 'retry-after': value }), noJitter)).toBeUndefined();
    }
    expect(retryAfterMs(undefined)).toBeUndefined();
    // At most 10 % on top.
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1000' }), () => 0.999)).toBeLessThanOrEqual(1100);
  });
});

describe('classification of the weather', () => {
  test('429, 529 and overloaded_error are rate-limit failures, retried after their retry-after', () => {
    expect(classifyModelError(apiError(429, 'rate_limit_error', 'slow down', { 'retry-after-ms': '1200' }), { attempt: 1, random: noJitter })).toMatchObject({
      type: 'ModelRateLimited',
      nonRetryable: false,
      nextRetryDelay: 1200,
    });
    expect(classifyModelError(apiError(529, 'overloaded_error', 'Overloaded', { 'retry-after': '4' }), { attempt: 1, random: noJitter })).toMatchObject({
      type: 'ModelOverloaded',
      nonRetryable: false,
      nextRetryDelay: 4000,
    });
    // The error type alone says overload, whatever status a proxy put on it.
    expect(classifyModelError(apiError(503, 'overloaded_error', 'Overloaded'), { attempt: 1, random: noJitter })).toMatchObject({ type: 'ModelOverloaded' });
    // A spend limit is still not weather.
    expect(classifyModelError(apiError(429, 'rate_limit_error', "This request would exceed your account's monthly spend limit."), { attempt: 1 })).toMatchObject({
      type: 'ModelSpendLimit',
      nonRetryable: true,
    });
  });
});

describe('the rate-limit budget and the count rule', () => {
  const bounds = { rateLimitBudgetMs: 10_000, maximumAttempts: 3 };
  const rateLimited = () => classifyModelError(apiError(429, 'rate_limit_error', 'slow down', { 'retry-after': '1' }), { attempt: 1, random: noJitter });
  const serverError = () => classifyModelError(apiError(500, 'api_error', 'boom'), { attempt: 1, random: noJitter });

  /** Plays attempts 1..n of one step, each failing with `fail(n)` at `clock(n)`, carrying details as Temporal does. */
  function play(n: number, fail: (attempt: number) => ApplicationFailure, clock: (attempt: number) => number) {
    let details: unknown;
    const results: ApplicationFailure[] = [];
    for (let attempt = 1; attempt <= n; attempt++) {
      const { ctx, beats } = attemptContext(attempt, details);
      const tracker = new AttemptTracker(ctx);
      results.push(attemptsAlreadySpent(bounds, tracker) ?? boundedFailure(fail(attempt), bounds, tracker, clock(attempt)));
      details = beats.at(-1);
    }
    return results;
  }

  test('rate limits are retried past the attempt count while the budget lasts, then become non-retryable with their attempts', () => {
    // One second apart, each asking for a second: 9 fit in 10 s (elapsed + wait ≤ budget), the 10th would pass it.
    const results = play(11, rateLimited, (attempt) => 1_000_000 + (attempt - 1) * 1000);
    expect(results.slice(0, 10).every((f) => f.nonRetryable === false)).toBe(true);
    const last = results[10] as ApplicationFailure;
    expect(last).toMatchObject({ type: 'ModelRateLimited', nonRetryable: true });
    expect(last.message).toMatch(/rate limited for 10 s, and the next wait \(1\.0 s\) would pass the step's rate-limit budget of 10 s/);
    const summary = last.details?.[0] as AttemptsSummary;
    expect(summary).toMatchObject({ count: 11, waitedMs: 10_000 });
    expect(summary.reasons.map((r) => r.kind)).toEqual(Array(11).fill('rate_limited'));
  });

  test('other retryable failures keep the count: the third of three is non-retryable', () => {
    const results = play(3, serverError, () => 1_000_000);
    expect(results.map((f) => f.nonRetryable)).toEqual([false, false, true]);
    expect(results[2]).toMatchObject({ type: 'ModelServerError', message: 'model server error (500 api_error: boom)' });
    expect((results[2]?.details?.[0] as AttemptsSummary).count).toBe(3);
  });

  test('rate limits do not spend the count of other failures', () => {
    const results = play(6, (attempt) => (attempt <= 4 ? rateLimited() : serverError()), (attempt) => 1_000_000 + attempt);
    expect(results.map((f) => f.nonRetryable)).toEqual([false, false, false, false, false, false]);
  });

  test('attempts that left no record were lost with their worker; they count, and can spend the count before a request', () => {
    const { ctx } = attemptContext(4);
    const tracker = new AttemptTracker(ctx);
    expect(tracker.records).toEqual([1, 2, 3].map((attempt) => ({ attempt, kind: 'worker_lost' })));
    expect(attemptsAlreadySpent(bounds, tracker)).toMatchObject({ type: 'ModelTransportError', nonRetryable: true });
    expect(attemptsText(tracker.summary() as AttemptsSummary)).toBe('took 4 attempts: the workers of attempts 1, 2, 3 were lost, each retried after its heartbeat timeout');
  });
});

describe('attempts in words', () => {
  test('grouped by kind, with the waits in all', () => {
    const five = [1, 2, 3, 4, 5].map((attempt) => ({ attempt, kind: 'rate_limited' as const, waitMs: 1040 }));
    expect(attemptsText({ count: 6, reasons: five, waitedMs: 5200 })).toBe('took 6 attempts: rate limited 5 times, waited 5.2 s in all');
    expect(attemptsText({ count: 2, reasons: [{ attempt: 1, kind: 'worker_lost' }], waitedMs: 0 })).toBe(
      "took 2 attempts: attempt 1's worker was lost, retried after its heartbeat timeout",
    );
    expect(ranOnAttemptText({ count: 2, reasons: [{ attempt: 1, kind: 'worker_lost' }], waitedMs: 0 })).toBe('ran on attempt 2 after the worker was lost');
    expect(attemptsText({ count: 3, reasons: [{ attempt: 1, kind: 'overloaded', waitMs: 500 }, { attempt: 2, kind: 'server_error', waitMs: 900 }], waitedMs: 1400 })).toBe(
      'took 3 attempts: overloaded once; server error once, waited 1.4 s in all',
    );
  });
});

describe('the budget is a ceiling', () => {
  const spec: AgentSpec = {
    name: 'ops',
    model: 'claude-test',
    approvers: [],
    minConfidence: 0.5,
    limits: { maxSteps: 25, maxTokens: 200_000 },
    correctiveRetries: 1,
    escalationTimeoutMs: 60_000,
    tools: [],
  };
  const withBudget = (rateLimitBudgetMs: number): AgentSpec => ({ ...spec, modelRetry: { rateLimitBudgetMs } });
  const asRun = (agent: AgentSpec, options?: RunOptions) => ({ spec: agent, input: { agent: 'ops', prompt: 'p', correlationId: 'c', options } });

  test("a run gets the lower of the agent's budget (default 10 min) and its own", () => {
    expect(modelRetryBounds(asRun(spec))).toMatchObject({ rateLimitBudgetMs: 600_000, maximumAttempts: 5 });
    expect(modelRetryBounds(asRun(spec, { modelRetry: { rateLimitBudgetMs: 2_000 } })).rateLimitBudgetMs).toBe(2_000);
    expect(modelRetryBounds(asRun(withBudget(1_500), { modelRetry: { rateLimitBudgetMs: 60_000 } })).rateLimitBudgetMs).toBe(1_500);
    expect(modelRetryBounds(asRun(withBudget(3_600_000))).rateLimitBudgetMs).toBe(3_600_000);
    expect(modelRetryBounds(asRun(spec, { modelRetry: { maximumAttempts: 2 } })).maximumAttempts).toBe(2);
  });

  // An eagerly dispatched activity task (server 1.29.1) arrives without its retry policy: the step's backoff
  // travels in its input, so a run's short retries stay short.
  test("the step's backoff travels in its input, and the activity takes it over the task's (absent) policy", () => {
    const retry = modelRetryBounds(asRun(spec, { modelRetry: { initialIntervalMs: 200, maximumIntervalMs: 400 } }));
    expect(retry.backoff).toEqual({ initialIntervalMs: 200, backoffCoefficient: 2, maximumIntervalMs: 400 });
    const input = { agent: 'ops', correlationId: 'c', workflowId: 'w', step: 1, conversation: null, retry };
    const noPolicy = classifyModelError(new Anthropic.InternalServerError(500, undefined, 'boom', new Headers()), { attempt: 3, policy: stepPolicy(input, undefined), random: () => 0.99 });
    expect(noPolicy.nextRetryDelay).toBeLessThanOrEqual(400);
    const unsent = classifyModelError(new Anthropic.InternalServerError(500, undefined, 'boom', new Headers()), { attempt: 3, policy: stepPolicy({ ...input, retry: undefined }, undefined), random: () => 0.99 });
    expect(unsent.nextRetryDelay).toBeGreaterThan(1_000);
  });

  test('a continued run takes the lower of the recorded and the current budget, and says so', () => {
    expect(stricterSpec(spec, spec)).toEqual({ spec, tightened: [] });
    const lowered = stricterSpec(withBudget(1_200_000), withBudget(60_000));
    expect(lowered.spec.modelRetry).toEqual({ rateLimitBudgetMs: 60_000 });
    expect(lowered.tightened).toEqual(['modelRetry.rateLimitBudgetMs: 1200000 -> 60000']);
    // A deploy that drops the setting falls back to the default, which is a ceiling like any other.
    expect(stricterSpec(withBudget(1_200_000), spec).spec.modelRetry).toEqual({ rateLimitBudgetMs: 600_000 });
    expect(stricterSpec(withBudget(60_000), spec)).toEqual({ spec: withBudget(60_000), tightened: [] });
  });
});

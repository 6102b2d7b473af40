/**
 * Model errors classified: what is retried and after how long, from the real Anthropic SDK's errors and from the
 * scripted model's wire faults (in-process, on loopback). test/model-faults.test.ts runs the faults through workers.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ApplicationFailure } from '@temporalio/common';
import { CONTENT_BLOCK, readContent, requestTimeoutMs } from '../activities/model-call';
import { classifyModelError, jitteredBackoffMs, MAX_RETRY_AFTER_MS, retryAfterMs } from '../activities/model-errors';
import type { CallCheck } from '../common/model';
import {
  RUN_HEADER,
  SCENARIO_HEADER,
  startScriptedModelServer,
  type ScriptedModelServer,
} from '../scripted-model/server';
import { uniqueId } from './helpers/runs';
import { FIXTURE_SCENARIOS } from './helpers/paths';
import { exampleScenarioDirs } from '../examples';

let model: ScriptedModelServer;
beforeAll(async () => {
  model = await startScriptedModelServer({ scenarioDirs: [FIXTURE_SCENARIOS, ...exampleScenarioDirs] });
});
afterAll(async () => model?.close());

/**
 * The server times a request from its arrival, the client from just before sending it: a client-side timeout shows
 * at the server up to the request's transit time early. Loopback on a busy 2-core machine: allow this much.
 */
const TRANSIT_MS = 100;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One Messages API call as the model-call activity makes it, straight through the SDK. */
function sdkCall(scenario: string, run: string, opts: { timeout?: number } = {}): Promise<Anthropic.Message> {
  const client = new Anthropic({ apiKey: 'test', baseURL: model.url, maxRetries: 0 });
  return client.messages.create(
    { model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] },
    { headers: { [SCENARIO_HEADER]: scenario, [RUN_HEADER]: run }, ...opts },
  );
}

async function sdkError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

function apiError(status: number, type: string, message: string, headers: Record<string, string> = {}) {
  return Anthropic.APIError.generate(status, { type: 'error', error: { type, message } }, undefined, new Headers(headers));
}

describe('classification: what is retried, and after how long', () => {
  test('a 429 waits at least its retry-after (plus at most 10 % jitter), and never more than 5 minutes', () => {
    const low = classifyModelError(apiError(429, 'rate_limit_error', 'slow down', { 'retry-after': '2' }), { attempt: 1, random: () => 0 });
    const high = classifyModelError(apiError(429, 'rate_limit_error', 'slow down', { 'retry-after': '2' }), { attempt: 1, random: () => 0.999 });
    expect(low).toMatchObject({ type: 'ModelRateLimited', nonRetryable: false, nextRetryDelay: 2000 });
    expect(high.nextRetryDelay).toBeGreaterThanOrEqual(2000);
    expect(high.nextRetryDelay).toBeLessThanOrEqual(2200);
    // An hour is not waited blindly: the bound applies (the next attempt may meet the limit again).
    expect(retryAfterMs(new Headers({ 'retry-after': '3600' }))).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(300_000);
    // No usable retry-after: the jittered backoff applies instead.
    const none = classifyModelError(apiError(429, 'rate_limit_error', 'slow down'), { attempt: 1, random: () => 0 });
    expect(none.nextRetryDelay).toBe(500);
  });

  test('spend and billing limits, in the real API\'s words, are not retried', async () => {
    const spend = [
      apiError(429, 'rate_limit_error', "This request would exceed your account's monthly spend limit. Please try again later."),
      apiError(400, 'invalid_request_error', 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.'),
      apiError(400, 'invalid_request_error', 'You have reached your specified workspace API usage limits. You will regain access on 2026-01-01 at 00:00 UTC.'),
      apiError(402, 'billing_error', 'Billing error'),
    ];
    for (const err of spend) expect(classifyModelError(err)).toMatchObject({ type: 'ModelSpendLimit', nonRetryable: true });
    // Through the wire: the scripted model's 429 as the SDK raises it.
    const wire = await sdkError(sdkCall('model-spend-limit', uniqueId('spend-sdk')));
    expect(wire).toBeInstanceOf(Anthropic.RateLimitError);
    expect(classifyModelError(wire)).toMatchObject({ type: 'ModelSpendLimit', nonRetryable: true });
    // An ordinary rate limit stays retryable.
    expect(classifyModelError(apiError(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'))).toMatchObject({
      type: 'ModelRateLimited',
      nonRetryable: false,
    });
  });

  test('a reset connection, a truncated body and invalid JSON are retryable transport errors', async () => {
    const run = uniqueId('transport-sdk');
    const failures: ApplicationFailure[] = [];
    for (let i = 0; i < 3; i++) failures.push(classifyModelError(await sdkError(sdkCall('model-transport', run))));
    expect(failures.map((f) => [f.type, f.nonRetryable])).toEqual([
      ['ModelTransportError', false],
      ['ModelTransportError', false],
      ['ModelTransportError', false],
    ]);
    expect(failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/^model request failed in transport: Connection error/),
      expect.stringMatching(/^model response cut off: terminated/),
      expect.stringMatching(/^model response unreadable: /),
    ]);
    const faults = model.requests.filter((r) => r.runKey === run).map((r) => r.fault);
    expect(faults).toEqual(['reset', 'truncate', 'invalid_json']);
    // The fourth attempt gets the answer: nothing about the faults sticks.
    expect((await sdkCall('model-transport', run)).content).toEqual([{ type: 'text', text: 'Answer after three transport faults.' }]);
  });

  test('a stalled answer: the request times out, its connection is closed, and that is a retryable transport error', async () => {
    const run = uniqueId('stall-sdk');
    const err = await sdkError(sdkCall('model-stall', run, { timeout: 300 }));
    expect(err).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    expect(classifyModelError(err)).toMatchObject({ type: 'ModelTransportError', nonRetryable: false });
    const stalled = await until('the stalled request to be recorded', () =>
      model.requests.find((r) => r.runKey === run && r.clientClosedAfterMs !== undefined),
    );
    expect(stalled).toMatchObject({ fault: 'stall', status: 0 });
    // Measured from the request's arrival, a little after the client started its clock.
    expect(stalled.clientClosedAfterMs).toBeGreaterThanOrEqual(300 - TRANSIT_MS);
    // Inside the activity the SDK's timeout sits just under the attempt's start-to-close timeout.
    expect(requestTimeoutMs(2_000)).toBe(1_800);
    expect(requestTimeoutMs(120_000)).toBe(110_000);
  });

  test('backoff has jitter: each delay is between half and all of the policy interval, capped, and they differ', () => {
    const policy = { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 30_000 };
    for (let attempt = 1; attempt <= 8; attempt++) {
      const interval = Math.min(30_000, 1_000 * 2 ** (attempt - 1));
      const samples = Array.from({ length: 50 }, () => jitteredBackoffMs(attempt, policy));
      for (const delay of samples) {
        expect(delay).toBeGreaterThanOrEqual(interval / 2);
        expect(delay).toBeLessThanOrEqual(interval);
      }
      expect(new Set(samples).size).toBeGreaterThan(1);
    }
    // The delays the activity names for consecutive failed attempts of one 529: not a fixed sequence.
    const overloaded = apiError(529, 'overloaded_error', 'Overloaded');
    const delays = (random: () => number) =>
      [1, 2, 3, 4].map((attempt) => classifyModelError(overloaded, { attempt, policy, random }).nextRetryDelay as number);
    expect(delays(() => 0)).toEqual([500, 1000, 2000, 4000]);
    expect(delays(() => 0.5)).toEqual([750, 1500, 3000, 6000]);
    expect(new Set(delays(Math.random)).size).toBe(4);
  });

  test('a call cut off by max_tokens is refused whatever it looks like; complete calls before it keep their verdict', () => {
    const ok: CallCheck = { ok: true, args: {} };
    const blocks = [
      { type: 'tool_use', id: 'a', name: 'echo', input: { text: 'one' } },
      { type: 'tool_use', id: 'b', name: 'echo', input: { text: 'two' } },
    ];
    const cut = readContent(blocks, 'max_tokens', () => ok);
    expect(cut.toolCalls.map((c) => (c.check.ok ? 'ok' : c.check.error.code))).toEqual(['ok', 'truncated_call']);
    const whole = readContent(blocks, 'tool_use', () => ok);
    expect(whole.toolCalls.every((c) => c.check.ok)).toBe(true);
    const odd = readContent([{ type: 'mystery' }, 'not a block', { type: 'tool_use', input: {} }], 'end_turn', () => ok);
    expect(odd.refusedBlocks.map((e) => [e.tool, e.code])).toEqual([
      [CONTENT_BLOCK, 'invalid_block'],
      [CONTENT_BLOCK, 'invalid_block'],
      [CONTENT_BLOCK, 'invalid_block'],
    ]);
    expect(odd.content.every((b) => b.type === 'text')).toBe(true);
    expect(odd.toolCalls).toEqual([]);
  });
});

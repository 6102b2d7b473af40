/**
 * Model faults, through the scripted model and the real Anthropic SDK: rate limits and spend limits, overloaded and
 * failing servers, a stalled answer, a dropped connection, a truncated or garbled body, and responses the agent
 * must not act on. docs/reliability.md lists each fault, its guarantee and the test here that shows it.
 */
import { SILENT_SINKS } from '../workers/workflow-bundle';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { CONTENT_BLOCK, requestTimeoutMs } from '../activities/model-call';
import type { RunOptions } from '../common/run';
import type { AgentRun } from '../client/agent-client';
import { executions, resetExecutions, testAgent } from './fixtures/test-agent';
import { eventsOf, kinds, scheduledActivities, uniqueId, waitForEscalation } from './helpers/runs';
import { useTestEnv } from './helpers/test-env';

const env = useTestEnv('model-faults');
beforeEach(() => resetExecutions());

/** Short retries (200 ms doubling to 400 ms, 5 attempts), so a test that exhausts them stays quick. */
const FAST: RunOptions = { modelRetry: { initialIntervalMs: 200, maximumIntervalMs: 400 } };

function start(scenario: string, options: RunOptions = FAST): Promise<AgentRun> {
  return env().client.start('tester', 'hello', { scenario, correlationId: uniqueId(scenario), options });
}

/**
 * The server times a request from its arrival, the client from just before sending it: a client-side timeout shows
 * at the server up to the request's transit time early. Loopback on a busy 2-core machine: allow this much.
 */
const TRANSIT_MS = 100;

/** What the scripted model saw of this run, in order. */
function requestsOf(run: AgentRun) {
  return env().model.requests.filter((r) => r.runKey === run.workflowId);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the model unavailable: retried, then a person decides', () => {
  test('a 429 that is a spend limit is not retried: the run escalates; approve tries the step again', async () => {
    await env().withWorker([testAgent], async () => {
      const run = await start('model-spend-limit');
      const escalation = await waitForEscalation(run);
      expect(escalation).toMatchObject({ kind: 'model_unavailable', allowedDecisions: ['approve', 'reject', 'answer', 'abort'] });
      expect(escalation.reason).toMatch(/^model step 1 failed \(ModelSpendLimit, not retried\): model spend limit reached \(429 rate_limit_error: .*monthly spend limit/);
      expect(requestsOf(run).map((r) => r.status)).toEqual([429]);
      await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
      const result = await run.result();
      expect(result).toMatchObject({ status: 'completed', text: 'Answer once the limit was raised.', steps: 1 });
      expect(requestsOf(run).map((r) => r.status)).toEqual([429, 200]);
      expect(kinds(result.trace)).toEqual([
        'model_request', 'escalation', 'resolution', 'model_request', 'model_response', 'completion',
      ]);
    });
  });

  test('500 on every attempt: jittered backoff, then escalation; reject ends the run failed with the model error', async () => {
    await env().withWorker([testAgent], async () => {
      const run = await start('model-server-error');
      const escalation = await waitForEscalation(run);
      expect(escalation.kind).toBe('model_unavailable');
      expect(escalation.reason).toMatch(/^model step 1 failed \(ModelServerError, all 5 attempts failed\): model server error \(500 api_error/);
      const attempts = requestsOf(run);
      expect(attempts.map((r) => r.status)).toEqual([500, 500, 500, 500, 500]);
      // Each retry waited at least half of the policy's interval (200, 400, 400, 400 ms): the jitter's lower bound.
      const gaps = attempts.slice(1).map((r, i) => Date.parse(r.at) - Date.parse(attempts[i]!.at));
      [100, 200, 200, 200].forEach((min, i) => expect(gaps[i]).toBeGreaterThanOrEqual(min - 2));
      await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat', text: 'try tomorrow' });
      const result = await run.result();
      expect(result.status).toBe('failed');
      expect(result.text).toMatch(/^model call failed: model server error .*; pat decided not to try again: try tomorrow$/);
      expect(eventsOf(result.trace, 'failure')[0]).toMatchObject({ errorType: 'ModelServerError' });
      expect((await run.handle.describe()).status.name).toBe('FAILED');
    });
  });

  test('529 overloaded on each of the five attempts the count once allowed: ridden out within the rate-limit budget, no person woken', async () => {
    await env().withWorker([testAgent], async () => {
      const run = await start('model-overloaded');
      const result = await run.result();
      expect(result).toMatchObject({ status: 'completed', text: 'Answer once the model is back.' });
      expect(requestsOf(run).map((r) => r.status)).toEqual([529, 529, 529, 529, 529, 200]);
      expect(eventsOf(result.trace, 'model_response')[0]?.attempts?.reasons.map((r) => r.kind)).toEqual(Array(5).fill('overloaded'));
    });
  });

  test('529 overloaded past a small rate-limit budget: escalation; answer gives the model the words and tries the step again', async () => {
    await env().withWorker([testAgent], async () => {
      // 300 ms: the first wait (100-200 ms) fits, the second (200-400 ms) would pass it.
      const run = await start('model-overloaded-budget', { modelRetry: { ...FAST.modelRetry, rateLimitBudgetMs: 300 } });
      const escalation = await waitForEscalation(run);
      expect(escalation.reason).toMatch(/^model step 1 failed \(ModelOverloaded, took 2 attempts: overloaded 2 times, waited 0\.\d s in all\): model overloaded \(529 overloaded_error: Overloaded\)/);
      await run.resolve({ escalationId: escalation.id, decision: 'answer', by: 'pat', text: 'the API is back, go ahead' });
      const result = await run.result();
      expect(result).toMatchObject({ status: 'completed', text: 'Answer once the model is back.' });
      const attempts = requestsOf(run);
      expect(attempts.map((r) => r.status)).toEqual([529, 529, 200]);
      expect(JSON.stringify(attempts.at(-1)?.body)).toContain('pat: the API is back, go ahead');
    });
  });

  test('a 401 is not retried and does not escalate: the run fails clearly', async () => {
    await env().withWorker([testAgent], async () => {
      const run = await start('model-401');
      const result = await run.result();
      expect(result.status).toBe('failed');
      expect(result.text).toContain('401 authentication_error: invalid x-api-key');
      expect(eventsOf(result.trace, 'failure')[0]).toMatchObject({ errorType: 'ModelAuthError' });
      expect(kinds(result.trace)).not.toContain('escalation');
      expect(requestsOf(run)).toHaveLength(1);
    });
  });
});

describe('transport faults: retried, the step succeeds', () => {
  test('a stalled answer: the attempt times out, the request is aborted, the retry answers', async () => {
    await env().withWorker([testAgent], async () => {
      const run = await start('model-stall', { ...FAST, timeouts: { modelStartToCloseMs: 2_000 } });
      const result = await run.result();
      expect(result).toMatchObject({ status: 'completed', text: 'Answer after the stall.' });
      const [stalled, answered] = requestsOf(run);
      expect(stalled).toMatchObject({ fault: 'stall' });
      // The client closed the stalled connection, no sooner than the attempt's request timeout.
      expect(stalled?.clientClosedAfterMs).toBeGreaterThanOrEqual(requestTimeoutMs(2_000) - TRANSIT_MS);
      expect(answered?.status).toBe(200);
      const history = await run.handle.fetchHistory();
      const started = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt).filter((a) => a !== undefined);
      expect(started).toEqual([1, 2]); // agent.describe, then model.call on its second attempt
    });
  });

  test('a run cancelled while its model call stalls: the request is aborted, not left open', async () => {
    await env().withWorker([testAgent], async () => {
      // Default start-to-close (2 min): only the cancellation can close this connection within the test.
      const run = await start('model-stall', { timeouts: { modelHeartbeatMs: 3_000 } });
      await until('the model request to arrive', () => requestsOf(run)[0]);
      await run.cancel({ by: 'pat', reason: 'not needed' });
      expect((await run.result()).status).toBe('cancelled');
      const aborted = await until('the stalled request to be closed by the worker', () =>
        requestsOf(run).find((r) => r.clientClosedAfterMs !== undefined),
      );
      expect(aborted).toMatchObject({ fault: 'stall' });
    });
  });

  test('a reset connection, a truncated body and invalid JSON in a row: each retried, then the step succeeds', async () => {
    await env().withWorker([testAgent], async () => {
      const run = await start('model-transport');
      const result = await run.result();
      expect(result).toMatchObject({ status: 'completed', text: 'Answer after three transport faults.' });
      expect(requestsOf(run).map((r) => r.fault ?? r.status)).toEqual(['reset', 'truncate', 'invalid_json', 200]);
    });
  });
});

describe('responses the agent must not act on: never executed, corrective attempt, then escalation', () => {
  test('a response cut by max_tokens in the middle of a tool_use (arguments that even look valid)', async () => {
    await env().withWorker([testAgent], async () => {
      const run = await start('max-tokens-cut');
      const escalation = await waitForEscalation(run);
      expect(escalation.kind).toBe('invalid_tool_calls');
      expect(escalation.errors?.map((e) => [e.tool, e.code])).toEqual([['book_slot', 'truncated_call']]);
      expect((await run.status()).step).toBe(2);
      const trace = await run.trace();
      expect(eventsOf(trace, 'validation_error').map((e) => e.error.code)).toEqual(['truncated_call', 'truncated_call']);
      expect(eventsOf(trace, 'corrective_retry')).toHaveLength(1);
      await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
      expect(await run.result()).toMatchObject({ status: 'completed', text: 'I did not book anything.' });
      expect(executions.book_slot).toBeUndefined();
      expect((await scheduledActivities(run)).filter((a) => a.startsWith('tool.'))).toEqual([]);
    });
  });

  test('unknown content block types (one a server_tool_use naming a real tool)', async () => {
    await env().withWorker([testAgent], async () => {
      const run = await start('unknown-block');
      const escalation = await waitForEscalation(run);
      expect(escalation.kind).toBe('invalid_tool_calls');
      expect(escalation.reason).toMatch(/^the model's responses could not be used 2 turn\(s\) in a row/);
      expect(escalation.errors?.map((e) => [e.tool, e.code])).toEqual([[CONTENT_BLOCK, 'invalid_block']]);
      expect(escalation.allowedDecisions).not.toContain('edit');
      const trace = await run.trace();
      expect(eventsOf(trace, 'validation_error').map((e) => e.error.message)).toEqual([
        expect.stringContaining('"server_tool_use"'),
        expect.stringContaining('"mystery_block"'),
      ]);
      expect(eventsOf(trace, 'corrective_retry')).toHaveLength(1);
      // What went back to the model holds a note where the block was: the API would refuse the block itself.
      const second = requestsOf(run).find((r) => r.turn === 1);
      const sent = JSON.stringify(second?.body);
      expect(sent).not.toContain('server_tool_use"');
      expect(sent).toContain('was removed here');
      await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
      expect(await run.result()).toMatchObject({ status: 'completed', text: 'Nothing was sent.' });
      expect(executions.wire_money).toBeUndefined();
      expect((await scheduledActivities(run)).filter((a) => a.startsWith('tool.'))).toEqual([]);
    });
  });

  test('a tool_use whose input is not an object', async () => {
    await env().withWorker([testAgent], async () => {
      const run = await start('non-object-input');
      const escalation = await waitForEscalation(run);
      expect(escalation.kind).toBe('invalid_tool_calls');
      expect(escalation.errors?.map((e) => [e.code, e.fields?.map((f) => f.path)])).toEqual([['invalid_input', ['(root)']]]);
      const trace = await run.trace();
      expect(eventsOf(trace, 'validation_error').map((e) => e.args)).toEqual(['hi', ['hi']]);
      // The conversation sent back carries `{}` in place of the non-object input.
      const second = requestsOf(run).find((r) => r.turn === 1)?.body as { messages: { role: string; content: unknown }[] };
      expect(second.messages[1]).toMatchObject({ role: 'assistant', content: [{ type: 'tool_use', name: 'echo', input: {} }] });
      await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
      expect(await run.result()).toMatchObject({ status: 'completed', text: 'I could not echo.' });
      expect(executions.echo).toBeUndefined();
    });
  });
});

test('a model failure recorded before failed steps escalated still replays: that run failed, and replays so', async () => {
  const file = join(__dirname, 'histories', 'before-model-escalation', 'model-overloaded-fails.json');
  const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string }, sinks: SILENT_SINKS },
    history,
    'tester-recorded-model-overloaded-fails',
  );
});

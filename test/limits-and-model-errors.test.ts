/**
 * Run limits end in an escalation; the model API's errors are retried or not, as Temporal's policy says.
 */
import { testAgent, resetExecutions } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { eventsOf, kinds, uniqueId, waitForEscalation } from './helpers/runs';

const env = useTestEnv('limits');
beforeEach(() => resetExecutions());

test('the step limit escalates with the figure; approving grants more steps', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'loop', {
      scenario: 'step-limit',
      correlationId: uniqueId('steps'),
      options: { limits: { maxSteps: 3 } },
    });
    const escalation = await waitForEscalation(run);
    expect(escalation).toMatchObject({ kind: 'limit_reached', reason: 'steps limit reached: 3 of 3 steps' });
    expect(escalation.allowedDecisions).not.toContain('edit');
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(result.steps).toBe(5);
    expect(eventsOf(result.trace, 'limit_reached')).toEqual([expect.objectContaining({ limit: 'steps', value: 3, max: 3 })]);
  });
});

test('refusing more steps ends the run failed, with the reason', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'loop', {
      scenario: 'step-limit',
      correlationId: uniqueId('steps-no'),
      options: { limits: { maxSteps: 2 } },
    });
    const escalation = await waitForEscalation(run);
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
    const result = await run.result();
    expect(result.status).toBe('failed');
    expect(result.text).toContain('steps limit reached (2 of 2 steps); more was refused by pat');
    expect(kinds(result.trace).at(-1)).toBe('failure');
    const description = await run.handle.describe();
    expect(description.status.name).toBe('FAILED');
  });
});

test('the token limit escalates too', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'loop', {
      scenario: 'step-limit',
      correlationId: uniqueId('tokens'),
      options: { limits: { maxTokens: 10 } },
    });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('limit_reached');
    expect(escalation.reason).toMatch(/^tokens limit reached: \d+ of 10 tokens$/);
    await run.resolve({ escalationId: escalation.id, decision: 'abort', by: 'pat' });
    expect((await run.result()).status).toBe('cancelled');
  });
});

test('the estimated cost budget escalates with the figure, from the price table', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'loop', {
      scenario: 'step-limit',
      correlationId: uniqueId('cost'),
      options: { limits: { maxCostUsd: 0.0000001 } },
    });
    const escalation = await waitForEscalation(run);
    expect(escalation.reason).toMatch(/^cost limit reached: [\d.]+ of 1e-7 USD \(estimated\)$/);
    const state = await run.status();
    // claude-test is not in the table: priced like the most expensive model, $5 / $25 per million tokens.
    expect(state.costUsd).toBeCloseTo((state.usage.inputTokens * 5 + state.usage.outputTokens * 25) / 1e6, 12);
    await run.resolve({ escalationId: escalation.id, decision: 'abort', by: 'pat' });
    expect((await run.result()).status).toBe('cancelled');
  });
});

test('the wall-clock budget escalates before the next step', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'loop', {
      scenario: 'step-limit',
      correlationId: uniqueId('time'),
      options: { limits: { maxDurationMs: 1 } },
    });
    const escalation = await waitForEscalation(run);
    expect(escalation.reason).toMatch(/^time limit reached: \d+ of 1 ms$/);
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
    expect((await run.result()).status).toBe('failed');
  });
});

test('a 429 is retried after its retry-after, then the step succeeds', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'hello', { scenario: 'model-429', correlationId: uniqueId('429') });
    const result = await run.result();
    expect(result.status).toBe('completed');
    const attempts = env().model.requests.filter((r) => r.runKey === run.workflowId);
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    const waited = Date.parse(attempts[1]!.at) - Date.parse(attempts[0]!.at);
    // retry-after: 2 s, honoured through the failure's nextRetryDelay (the default first interval is 1 s).
    expect(waited).toBeGreaterThanOrEqual(1900);
  });
});

test('a 400 is not retried: the run ends failed, cleanly, with the API\'s message', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'hello', { scenario: 'model-400', correlationId: uniqueId('400') });
    const result = await run.result();
    expect(result.status).toBe('failed');
    expect(result.text).toContain('messages: roles must alternate');
    expect(env().model.requests.filter((r) => r.runKey === run.workflowId)).toHaveLength(1);
    expect(eventsOf(result.trace, 'failure')[0]).toMatchObject({ errorType: 'ModelBadRequest' });
    expect((await run.handle.describe()).status.name).toBe('FAILED');
  });
});

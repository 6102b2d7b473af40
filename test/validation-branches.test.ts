/**
 * Validate before dispatch, one corrective retry, then escalate: on a real Temporal dev server with the real
 * Anthropic SDK talking to the scripted model.
 */
import { testAgent, executions, resetExecutions } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { eventsOf, kinds, scheduledActivities, uniqueId, waitForEscalation } from './helpers/runs';

const env = useTestEnv('validation');
beforeEach(() => resetExecutions());

test('happy path: a valid call runs once and the run completes with a full trace', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'say hi', { scenario: 'happy', correlationId: uniqueId('happy') });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(result.text).toBe('The tool said hi.');
    expect(kinds(result.trace)).toEqual([
      'model_request', 'model_response', 'tool_call', 'tool_result', 'model_request', 'model_response', 'completion',
    ]);
    const call = eventsOf(result.trace, 'tool_call')[0];
    expect(call).toMatchObject({ tool: 'echo', args: { text: 'hi' }, reasoning: 'Let me echo that.', effect: 'read' });
    for (const event of result.trace) {
      expect(event).toMatchObject({ v: 1, correlationId: result.correlationId, workflowId: run.workflowId, runId: result.runId });
    }
    expect(eventsOf(result.trace, 'model_response')[0]?.usage.inputTokens).toBeGreaterThan(0);
    expect(executions.echo).toHaveLength(1);
    expect(await scheduledActivities(run)).toEqual(['agent.describe', 'model.call', 'tool.echo', 'model.call']);
  });
});

test('a call that fails its schema is never executed; the model gets the field-level error and corrects it', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book it', { scenario: 'corrective-success', correlationId: uniqueId('fix') });
    const result = await run.result();
    expect(result.status).toBe('completed');
    const [invalid] = eventsOf(result.trace, 'validation_error');
    expect(invalid?.error.code).toBe('invalid_input');
    expect(invalid?.error.fields).toEqual([
      { path: 'startsAt', expected: 'an ISO 8601 date-time with seconds, in UTC ("Z"), such as "2026-03-14T15:00:00Z"', received: '"next Tuesday 3pm"' },
    ]);
    expect(eventsOf(result.trace, 'corrective_retry')).toHaveLength(1);
    // Only the corrected call reached the tool; the scripted model's `expect` proved the error text reached the model.
    expect(executions.book_slot).toEqual([expect.objectContaining({ args: { startsAt: '2026-12-01T15:00:00Z', minutes: 30 } })]);
    expect(await scheduledActivities(run)).toEqual([
      'agent.describe', 'model.call', 'model.call', 'tool.book_slot', 'tool.book_slot.verify', 'model.call',
    ]);
  });
});

test('two failures in a row escalate instead of looping, with the offending calls and errors', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book it', { scenario: 'two-failures', correlationId: uniqueId('twice') });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('invalid_tool_calls');
    expect(escalation.errors?.map((e) => e.fields?.map((f) => f.path))).toEqual([['startsAt']]);
    expect(escalation.proposedCall).toMatchObject({ tool: 'book_slot', args: { startsAt: 'the day after', minutes: 30 } });
    const state = await run.status();
    expect(state.status).toBe('escalated');
    expect(state.step).toBe(2);
    expect(executions.book_slot).toBeUndefined();
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat', text: 'do not book' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(kinds(result.trace)).toContain('escalation');
    expect(eventsOf(result.trace, 'resolution')[0]).toMatchObject({ accepted: true, resolution: { decision: 'reject', by: 'pat' } });
  });
});

test('an unknown tool is refused, never dispatched, and the model is told which tools exist', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'clean up', { scenario: 'unknown-tool', correlationId: uniqueId('unknown') });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(eventsOf(result.trace, 'validation_error')[0]?.error.code).toBe('unknown_tool');
    const activities = await scheduledActivities(run);
    expect(activities.some((a) => a.includes('delete_everything'))).toBe(false);
    expect(activities).toContain('tool.echo');
  });
});

test('after the escalation, a person can edit the failed call: the corrected arguments run instead', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book it', { scenario: 'two-failures', correlationId: uniqueId('edit') });
    const escalation = await waitForEscalation(run);
    expect(escalation.allowedDecisions).toContain('edit');
    expect(escalation.allowedDecisions).not.toContain('approve');
    await run.resolve({ escalationId: escalation.id, decision: 'edit', by: 'pat', args: { startsAt: '2026-12-02T09:00:00Z', minutes: 30 } });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(executions.book_slot).toEqual([expect.objectContaining({ args: { startsAt: '2026-12-02T09:00:00Z', minutes: 30 } })]);
    const lastRequest = env().model.requests.filter((r) => r.runKey === run.workflowId).at(-1);
    expect(JSON.stringify(lastRequest?.body)).toContain('\\"booked\\":true');
  });
});

test('the corrective budget is configurable: with none, the first failure escalates', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book it', {
      scenario: 'corrective-success',
      correlationId: uniqueId('no-retry'),
      options: { correctiveRetries: 0 },
    });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('invalid_tool_calls');
    expect((await run.status()).step).toBe(1);
    await run.resolve({ escalationId: escalation.id, decision: 'abort', by: 'pat' });
    const result = await run.result();
    expect(result.status).toBe('cancelled');
    expect(eventsOf(result.trace, 'corrective_retry')).toHaveLength(0);
  });
});

/**
 * What a tool can do wrong: return malformed output, fail transiently, refuse for good.
 */
import { testAgent, executions, resetExecutions } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { eventsOf, scheduledActivities, uniqueId, waitForEscalation } from './helpers/runs';

const env = useTestEnv('tools');
beforeEach(() => resetExecutions());

test('malformed tool output is a failed call, never passed on to the model', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'count', { scenario: 'bad-output', correlationId: uniqueId('output') });
    const result = await run.result();
    expect(result.status).toBe('completed');
    const [toolError] = eventsOf(result.trace, 'tool_error');
    expect(toolError?.error.code).toBe('invalid_output');
    expect(toolError?.error.message).toContain('count: expected a number');
    expect(eventsOf(result.trace, 'tool_result')).toHaveLength(0);
    // The tool ran once: malformed output is not retried into a different answer.
    expect(executions.broken_output).toHaveLength(1);
    expect((await scheduledActivities(run)).filter((a) => a === 'tool.broken_output')).toHaveLength(1);
  });
});

test('a transient tool failure is retried by Temporal, and the model sees only the success', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'try', { scenario: 'tool-retryable', correlationId: uniqueId('flaky') });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(eventsOf(result.trace, 'tool_result')[0]?.result).toEqual({ ok: true, attempts: 3 });
    expect(eventsOf(result.trace, 'tool_error')).toHaveLength(0);
    // The retries are Temporal's: one scheduled activity, three attempts in its completed event's history.
    const history = await run.handle.fetchHistory();
    const started = history.events?.find(
      (e) => e.activityTaskStartedEventAttributes && history.events?.some((s) => s.activityTaskScheduledEventAttributes?.activityType?.name === 'tool.flaky' && String(s.eventId) === String(e.activityTaskStartedEventAttributes?.scheduledEventId)),
    );
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(3);
  });
});

test('a tool that refuses for good goes back to the model; refusing again escalates', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'try', { scenario: 'tool-nonretryable', correlationId: uniqueId('refuse') });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('invalid_tool_calls');
    expect(escalation.errors?.[0]).toMatchObject({ code: 'tool_failed', tool: 'refuses' });
    expect(escalation.errors?.[0]?.message).toContain('the account is locked');
    // Non-retryable: each call ran exactly once.
    expect(executions.refuses).toHaveLength(2);
    await run.resolve({ escalationId: escalation.id, decision: 'answer', by: 'pat', text: 'The account stays locked; stop.' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(eventsOf(result.trace, 'tool_error')).toHaveLength(2);
    expect(eventsOf(result.trace, 'corrective_retry')).toHaveLength(1);
  });
});

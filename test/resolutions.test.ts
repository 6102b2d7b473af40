/**
 * A person resolves an escalation: every decision, the validator's refusals, duplicates, the signal, the timeout.
 */
import { ResolutionRejectedError } from '../client/agent-client';
import { testAgent, executions, resetExecutions } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { eventsOf, kinds, scheduledActivities, uniqueId, waitForEscalation } from './helpers/runs';

const env = useTestEnv('resolutions');
beforeEach(() => resetExecutions());

async function startApproval(prefix: string) {
  const run = await env().client.start('tester', 'pay acme', { scenario: 'approval', correlationId: uniqueId(prefix) });
  const escalation = await waitForEscalation(run);
  return { run, escalation };
}

test('an irreversible call waits for approval and runs once, with the approver recorded', async () => {
  await env().withWorker([testAgent], async () => {
    const { run, escalation } = await startApproval('approve');
    expect(escalation).toMatchObject({
      kind: 'approval_required',
      proposedCall: { tool: 'wire_money', args: { to: 'acme', amountCents: 5000 }, reasoning: 'The invoice is due, so I will pay it.' },
      allowedDecisions: ['approve', 'reject', 'edit', 'answer', 'abort'],
    });
    expect(executions.wire_money).toBeUndefined();
    expect((await run.status()).status).toBe('escalated');
    const outcome = await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
    expect(outcome).toMatchObject({ accepted: true, decision: 'approve', by: 'pat' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(executions.wire_money).toEqual([expect.objectContaining({ args: { to: 'acme', amountCents: 5000 }, approvedBy: 'pat' })]);
    expect(kinds(result.trace)).toEqual([
      'model_request', 'model_response', 'escalation', 'resolution', 'tool_call', 'tool_result', 'action',
      'model_request', 'model_response', 'completion',
    ]);
  });
});

test('reject: the call is not executed and the model is told who rejected it', async () => {
  await env().withWorker([testAgent], async () => {
    const { run, escalation } = await startApproval('reject');
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat', text: 'wrong vendor' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(executions.wire_money).toBeUndefined();
    expect(await scheduledActivities(run)).not.toContain('tool.wire_money');
    const secondRequest = env().model.requests.filter((r) => r.runKey === run.workflowId && r.turn === 1).at(-1);
    expect(JSON.stringify(secondRequest?.body)).toContain('rejected this call; it was not executed. Reason: wrong vendor');
  });
});

test('edit: corrected arguments are validated again and run instead of the proposal', async () => {
  await env().withWorker([testAgent], async () => {
    const { run, escalation } = await startApproval('edit');
    // A malformed edit is refused with the field error; the escalation stays pending.
    await expect(
      run.resolve({ escalationId: escalation.id, decision: 'edit', by: 'pat', args: { to: 'acme', amountCents: -5 } }),
    ).rejects.toThrow("edited arguments rejected: amountCents: expected an integer greater than 0, got number -5");
    expect((await run.pendingEscalation())?.id).toBe(escalation.id);
    await run.resolve({ escalationId: escalation.id, decision: 'edit', by: 'pat', args: { to: 'acme', amountCents: 4000 } });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(executions.wire_money).toEqual([expect.objectContaining({ args: { to: 'acme', amountCents: 4000 }, approvedBy: 'pat' })]);
    const resolutions = eventsOf(result.trace, 'resolution');
    expect(resolutions.map((r) => r.accepted)).toEqual([false, true]);
  });
});

test('answer: the call is not executed and the text reaches the model', async () => {
  await env().withWorker([testAgent], async () => {
    const { run, escalation } = await startApproval('answer');
    await run.resolve({ escalationId: escalation.id, decision: 'answer', by: 'pat', text: 'Pay it next week instead.' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(executions.wire_money).toBeUndefined();
    const secondRequest = env().model.requests.filter((r) => r.runKey === run.workflowId && r.turn === 1).at(-1);
    expect(JSON.stringify(secondRequest?.body)).toContain('pat answered: Pay it next week instead.');
  });
});

test('abort: the run ends cancelled, nothing executed, and the trace says who aborted', async () => {
  await env().withWorker([testAgent], async () => {
    const { run, escalation } = await startApproval('abort');
    await run.resolve({ escalationId: escalation.id, decision: 'abort', by: 'pat', text: 'suspicious' });
    const result = await run.result();
    expect(result.status).toBe('cancelled');
    expect(result.text).toBe('aborted by pat: suspicious');
    expect(executions.wire_money).toBeUndefined();
    expect(eventsOf(result.trace, 'completion')[0]).toMatchObject({ status: 'cancelled' });
  });
});

test('malformed and stale resolutions are rejected at once, and a duplicate is harmless', async () => {
  await env().withWorker([testAgent], async () => {
    const { run, escalation } = await startApproval('stale');
    const reject = (r: Parameters<typeof run.resolve>[0]) => expect(run.resolve(r)).rejects.toThrow(ResolutionRejectedError);
    await reject({ escalationId: escalation.id, decision: 'approve', by: '' });
    await reject({ escalationId: escalation.id, decision: 'maybe' as never, by: 'pat' });
    await reject({ escalationId: 'nope/esc-9', decision: 'approve', by: 'pat' });
    await reject({ escalationId: escalation.id, decision: 'answer', by: 'pat' });
    await reject({ escalationId: escalation.id, decision: 'edit', by: 'pat', args: [1, 2] as never });
    await expect(run.resolve({ escalationId: escalation.id, decision: 'approve', by: '' })).rejects.toThrow(/must name who decided/);
    // Validator refusals never enter history: the run is still waiting on the same escalation.
    expect((await run.pendingEscalation())?.id).toBe(escalation.id);

    const approval = { escalationId: escalation.id, decision: 'approve' as const, by: 'pat' };
    const [first, second] = await Promise.all([run.resolve(approval), run.resolve(approval)]);
    expect(second).toEqual(first);
    const result = await run.result();
    expect(executions.wire_money).toHaveLength(1);
    // Same request id → one Update in history, one accepted resolution.
    expect(eventsOf(result.trace, 'resolution')).toHaveLength(1);
    // Once resolved, the escalation is stale.
    await expect(run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'sam' })).rejects.toThrow(ResolutionRejectedError);
  });
});

test('the Signal resolves like the Update; a bad signal is recorded as not accepted', async () => {
  await env().withWorker([testAgent], async () => {
    const { run, escalation } = await startApproval('signal');
    await run.resolveBySignal({ escalationId: 'wrong', decision: 'approve', by: 'pat' });
    await run.resolveBySignal({ escalationId: escalation.id, decision: 'approve', by: 'sam' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(executions.wire_money).toEqual([expect.objectContaining({ approvedBy: 'sam' })]);
    expect(eventsOf(result.trace, 'resolution').map((r) => [r.resolution.by, r.accepted])).toEqual([
      ['pat', false],
      ['sam', true],
    ]);
  });
});

test('an escalation nobody answers ends the run as timed out, with no action taken', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'pay acme', {
      scenario: 'approval',
      correlationId: uniqueId('timeout'),
      options: { escalationTimeoutMs: 1500 },
    });
    const result = await run.result();
    expect(result.status).toBe('timed_out');
    expect(result.text).toMatch(/waited 1500 ms with no decision; no action was taken/);
    expect(executions.wire_money).toBeUndefined();
    expect(kinds(result.trace).slice(-2)).toEqual(['escalation', 'completion']);
  });
});

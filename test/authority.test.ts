/**
 * Authority drawn in code: scope, the policy table per mode and effect, stated confidence, approvers.
 */
import { ResolutionRejectedError } from '../client/agent-client';
import { executions, resetExecutions, testAgent } from './fixtures/test-agent';
import { eventsOf, scheduledActivities, uniqueId, waitForEscalation } from './helpers/runs';
import { useTestEnv } from './helpers/test-env';

const env = useTestEnv('authority');
beforeEach(() => resetExecutions());

test('a tool outside the run\'s scope is refused every time, however the model insists, and never executed', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'pay acme', {
      scenario: 'out-of-scope',
      correlationId: uniqueId('scope'),
      options: { scope: ['echo'] },
    });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('invalid_tool_calls');
    // Editing would execute an out-of-scope tool: not offered.
    expect(escalation.allowedDecisions).not.toContain('edit');
    expect(escalation.errors?.map((e) => e.code)).toEqual(['out_of_scope']);
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
    const result = await run.result();
    expect(eventsOf(result.trace, 'validation_error').map((e) => e.error.code)).toEqual(['out_of_scope', 'out_of_scope']);
    expect(executions.wire_money).toBeUndefined();
    expect(await scheduledActivities(run)).not.toContain('tool.wire_money');
    // The model is offered only the tools in scope.
    const offered = env().model.requests.filter((r) => r.runKey === run.workflowId).map((r) => (r.body as { tools: { name: string }[] }).tools.map((t) => t.name));
    expect(new Set(offered.flat())).toEqual(new Set(['echo']));
  });
});

test('advise mode records writes as recommendations; a person\'s approval then runs them, with the person recorded', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book', { scenario: 'advise', correlationId: uniqueId('advise'), options: { mode: 'advise' } });
    const escalation = await waitForEscalation(run);
    expect(escalation).toMatchObject({
      kind: 'recommendation',
      proposedCall: { tool: 'book_slot', args: { startsAt: '2026-12-01T15:00:00Z', minutes: 30 }, confidence: 0.9, rationale: 'The user asked for this slot.' },
    });
    // Reads ran; the write did not, until now.
    expect(executions.echo).toHaveLength(1);
    expect(executions.book_slot).toBeUndefined();
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
    const result = await run.result();
    expect(result).toMatchObject({ status: 'completed', mode: 'advise', text: 'I recommend booking 2026-12-01 15:00 for 30 minutes.' });
    expect(result.recommendations).toEqual([
      expect.objectContaining({ tool: 'book_slot', status: 'approved', decidedBy: 'pat', result: { booked: true, startsAt: '2026-12-01T15:00:00Z' } }),
    ]);
    expect(executions.book_slot).toHaveLength(1);
  });
});

test('advise mode: a rejected recommendation never runs', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book', { scenario: 'advise', correlationId: uniqueId('advise-no'), options: { mode: 'advise' } });
    const escalation = await waitForEscalation(run);
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
    const result = await run.result();
    expect(result.recommendations[0]).toMatchObject({ status: 'rejected', decidedBy: 'pat' });
    expect(executions.book_slot).toBeUndefined();
  });
});

test('a call that acts with low stated confidence is escalated with its rationale, not executed', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book', { scenario: 'low-confidence', correlationId: uniqueId('unsure') });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('low_confidence');
    expect(escalation.reason).toContain('Not sure whether the user meant Tuesday or Thursday.');
    expect(escalation.proposedCall).toMatchObject({ confidence: 0.2 });
    expect(executions.book_slot).toBeUndefined();
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat', text: 'ask the user' });
    await run.result();
    expect(executions.book_slot).toBeUndefined();
  });
});

test("a run's options cannot lower the agent's confidence threshold: the same call is still escalated", async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book', {
      scenario: 'low-confidence',
      correlationId: uniqueId('unsure-lower'),
      options: { minConfidence: 0.1 },
    });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('low_confidence');
    expect(escalation.reason).toContain('is below 0.5');
    expect(executions.book_slot).toBeUndefined();
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
    await run.result();
    expect(executions.book_slot).toBeUndefined();
  });
});

test("a run's options can raise the threshold: a call the agent would run waits for a person", async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book', {
      scenario: 'medium-confidence',
      correlationId: uniqueId('unsure-higher'),
      options: { minConfidence: 0.9 },
    });
    const escalation = await waitForEscalation(run);
    expect(escalation.reason).toContain('confidence 0.7 is below 0.9');
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
    await run.result();
    expect(executions.book_slot).toBeUndefined();
  });
});

test('a tool rule tightens the policy: a large transfer waits for approval, a small one runs', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'move', { scenario: 'tightened', correlationId: uniqueId('tight') });
    const escalation = await waitForEscalation(run);
    expect(escalation).toMatchObject({ kind: 'approval_required', reason: 'transfers above 1000.00 need approval (this one: 2500)' });
    expect(executions.transfer).toEqual([expect.objectContaining({ args: { amountCents: 500 } })]);
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
    await run.result();
    expect(executions.transfer?.map((e) => [e.args, e.approvedBy])).toEqual([
      [{ amountCents: 500 }, undefined],
      [{ amountCents: 250000 }, 'pat'],
    ]);
  });
});

test('only the tool\'s approvers may resolve its escalation', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'pay', { scenario: 'approval', correlationId: uniqueId('who') });
    const escalation = await waitForEscalation(run);
    expect(escalation.approvers).toEqual(['pat', 'sam']);
    await expect(run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'mallory' })).rejects.toThrow(
      new ResolutionRejectedError('"mallory" may not resolve this escalation (approvers: pat, sam)'),
    );
    expect(executions.wire_money).toBeUndefined();
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'sam' });
    await run.result();
    expect(executions.wire_money).toEqual([expect.objectContaining({ approvedBy: 'sam' })]);
  });
});

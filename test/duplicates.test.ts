/**
 * The same action twice: a repeat of an action that already ran, or of one a person was already asked about, is
 * marked as a duplicate of the first, and running it takes a decision that names the first.
 */
import { executions, resetExecutions, testAgent } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { uniqueId, waitForEscalation } from './helpers/runs';

const env = useTestEnv('duplicates');
beforeEach(() => resetExecutions());

test('the second approval request for an action that already ran says so, and a plain approve does not run it again', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'pay acme', { scenario: 'same-refund-twice', correlationId: uniqueId('dup') });
    const first = await waitForEscalation(run);
    expect(first.duplicateOf).toBeUndefined();
    await run.resolve({ escalationId: first.id, decision: 'approve', by: 'pat' });
    const second = await waitForEscalation(run);
    expect(second.id).not.toBe(first.id);
    const firstCall = first.proposedCall?.toolUseId as string;
    expect(second.duplicateOf).toEqual({ ref: firstCall, words: `already done at step 1 (${firstCall})` });
    expect(second.reason).toContain(`This is a duplicate: already done at step 1 (${firstCall})`);
    await expect(run.resolve({ escalationId: second.id, decision: 'approve', by: 'pat' })).rejects.toThrow(/repeats an earlier one .*duplicateOf/);
    expect(executions.wire_money).toHaveLength(1);
    // Naming the duplicate is an explicit decision to run it again.
    await run.resolve({ escalationId: second.id, decision: 'approve', by: 'pat', duplicateOf: firstCall });
    const result = await run.result();
    expect(executions.wire_money).toHaveLength(2);
    expect(result.ledger).toHaveLength(2);
  });
});

test('rejecting a duplicate needs no acknowledgement', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'pay acme', { scenario: 'same-refund-twice', correlationId: uniqueId('dup-reject') });
    await run.resolve({ escalationId: (await waitForEscalation(run)).id, decision: 'approve', by: 'pat' });
    await run.resolve({ escalationId: (await waitForEscalation(run)).id, decision: 'reject', by: 'pat', text: 'already paid' });
    await run.result();
    expect(executions.wire_money).toHaveLength(1);
  });
});

test('advise mode: the second identical recommendation is marked as the same as the first', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'pay acme', { scenario: 'same-recommendation-twice', correlationId: uniqueId('dup-rec'), options: { mode: 'advise' } });
    const first = await waitForEscalation(run);
    expect(first.kind).toBe('recommendation');
    expect(first.duplicateOf).toBeUndefined();
    await run.resolve({ escalationId: first.id, decision: 'approve', by: 'pat' });
    const second = await waitForEscalation(run);
    expect(second.duplicateOf?.ref).toBe(first.proposedCall?.toolUseId);
    expect(second.reason).toContain('a duplicate: same as the recommendation at step 1');
    await run.resolve({ escalationId: second.id, decision: 'reject', by: 'pat' });
    const result = await run.result();
    expect(result.recommendations.map((r) => [r.status, Boolean(r.duplicateOf)])).toEqual([
      ['approved', false],
      ['rejected', true],
    ]);
    expect(executions.wire_money).toHaveLength(1);
  });
});

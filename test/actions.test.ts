/**
 * Verifiable actions: the ledger, verify(), idempotency keys, and clean cancellation.
 */
import { executions, resetExecutions, testAgent } from './fixtures/test-agent';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';
import { tempDataDir, useTestEnv } from './helpers/test-env';

// The example store opens lazily, on the first tool call, so setting its folder here is early enough.
process.env.DURABLE_AGENT_DATA_DIR = tempDataDir();
import { opsAgent } from '../examples/ops-agent/agent';

const env = useTestEnv('actions');
beforeEach(() => resetExecutions());

test('every action is in the ledger with its key, arguments, result and approver; verify() reads the effect back', async () => {
  await env().withWorker([opsAgent], async () => {
    const run = await env().client.start('ops', 'Ana says order ord_1001 arrived broken.', { scenario: 'demo', correlationId: uniqueId('ledger') });
    const escalation = await waitForEscalation(run);
    // Before approval, only the callback is an action.
    expect((await run.ledger()).map((e) => e.tool)).toEqual(['schedule_callback']);
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    const ledger = await run.ledger();
    expect(ledger).toEqual([
      expect.objectContaining({ tool: 'schedule_callback', effect: 'write', idempotencyKey: expect.stringMatching(new RegExp(`^${run.workflowId}/toolu_`)) }),
      expect.objectContaining({
        tool: 'issue_refund',
        effect: 'irreversible',
        args: { orderId: 'ord_1001', amountCents: 4999, reason: 'Teapot arrived broken' },
        result: expect.objectContaining({ amountCents: 4999, approvedBy: 'pat' }),
        approvedBy: 'pat',
        verification: { ok: true, detail: 'verified' },
      }),
    ]);
    expect(ledger[1]?.idempotencyKey).not.toBe(ledger[0]?.idempotencyKey);
    expect(result.ledger).toEqual(ledger);
    expect(eventsOf(result.trace, 'verification')).toEqual([expect.objectContaining({ tool: 'issue_refund', ok: true })]);
    // Reads are not actions.
    expect(ledger.some((e) => e.tool === 'lookup_customer')).toBe(false);
  });
});

test('a failed verification escalates; the model hears that the effect is unconfirmed', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'write', { scenario: 'leaky-write', correlationId: uniqueId('verify') });
    const escalation = await waitForEscalation(run);
    expect(escalation).toMatchObject({ kind: 'verification_failed', reason: expect.stringContaining('the note is not in the store') });
    await run.resolve({ escalationId: escalation.id, decision: 'answer', by: 'pat', text: 'check the store by hand' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(result.ledger[0]?.verification).toEqual({ ok: false, detail: 'the note is not in the store' });
  });
});

test('cancelling a run: the long tool sees it through its heartbeat, the trace says who cancelled', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'work', { scenario: 'slow-job', correlationId: uniqueId('cancel') });
    const deadline = Date.now() + 20_000;
    while (!executions.slow_job && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(executions.slow_job).toHaveLength(1);
    await run.cancel({ by: 'pat', reason: 'wrong customer' });
    const result = await run.result();
    expect(result.status).toBe('cancelled');
    expect(result.text).toBe('cancelled by pat: wrong customer');
    expect(eventsOf(result.trace, 'completion')[0]).toMatchObject({ status: 'cancelled', by: 'pat' });
    expect((await run.handle.describe()).status.name).toBe('CANCELLED');
    // The tool stopped on its own, having seen the cancellation.
    const until = Date.now() + 10_000;
    while (executions.slow_job?.length !== 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(executions.slow_job?.[1]?.args).toEqual({ cancelled: true });
  });
});

/**
 * Approvers are proven, not declared: with approver keys configured, the workflow refuses a resolution that names
 * pat without pat's signature (or a trusted issuer's), through the Update and the Signal alike.
 */
import { createPrivateKey } from 'node:crypto';
import { defineAgent } from '../agents/define';
import { newSigningKey } from '../client/sign-resolution';
import { executions, resetExecutions, wireMoney } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';

const env = useTestEnv('approver-proofs');
beforeEach(() => resetExecutions());

const pat = newSigningKey();
const mallory = newSigningKey();
const inbox = newSigningKey();
const signer = (name: string, key: { privateKeyPem: string }) => ({ name, key: createPrivateKey(key.privateKeyPem) });

const signedAgent = defineAgent({
  name: 'tester',
  model: 'claude-test',
  system: 'You are a test agent.',
  tools: [wireMoney],
  approverKeys: { people: { pat: pat.publicKey }, issuers: { inbox: inbox.publicKey } },
});

test("anyone can claim to be pat; only pat's signature makes it so", async () => {
  await env().withWorker([signedAgent], async () => {
    const run = await env().client.start('tester', 'pay acme', { scenario: 'approval', correlationId: uniqueId('proof') });
    const escalation = await waitForEscalation(run);
    expect(escalation.approverKeys?.people).toEqual({ pat: pat.publicKey });
    const approve = { escalationId: escalation.id, decision: 'approve' as const, by: 'pat' };

    await expect(run.resolve(approve)).rejects.toThrow(/must be signed/);
    await expect(run.resolve(approve, { signer: signer('pat', mallory) })).rejects.toThrow(/does not match/);
    await expect(run.resolve(approve, { signer: signer('mallory', mallory) })).rejects.toThrow(/not a configured signer/);
    // The Signal path applies the same check; its refusal is recorded in the trace.
    await run.resolveBySignal(approve);
    expect(executions.wire_money).toBeUndefined();
    expect((await run.status()).status).toBe('escalated');

    const outcome = await run.resolve(approve, { signer: signer('pat', pat) });
    expect(outcome).toMatchObject({ accepted: true, by: 'pat' });
    const result = await run.result();
    expect(executions.wire_money?.map((e) => e.approvedBy)).toEqual(['pat']);
    expect(result.ledger[0]?.approvedBy).toBe('pat');
    const refused = eventsOf(result.trace, 'resolution').filter((e) => !e.accepted);
    expect(refused.map((e) => e.note)).toEqual([expect.stringMatching(/must be signed/)]);
  });
});

test('the inbox, as a trusted issuer, signs for the person its proxy authenticated', async () => {
  await env().withWorker([signedAgent], async () => {
    const run = await env().client.start('tester', 'pay acme', { scenario: 'approval', correlationId: uniqueId('issuer') });
    const escalation = await waitForEscalation(run);
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'sam' }, { signer: signer('inbox', inbox) });
    await run.result();
    expect(executions.wire_money?.map((e) => e.approvedBy)).toEqual(['sam']);
  });
});

test('the inbox signs as its issuer for the person it acts for; without its key, its decisions are refused', async () => {
  const { startInboxServer } = await import('../inbox/server');
  await env().withWorker([signedAgent], async () => {
    const run = await env().client.start('tester', 'pay acme', { scenario: 'approval', correlationId: uniqueId('inbox-issuer') });
    const escalation = await waitForEscalation(run);
    const post = (url: string) =>
      fetch(`${url}/api/runs/${encodeURIComponent(run.workflowId)}/resolve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ escalationId: escalation.id, decision: 'approve' }),
      });
    const unsigned = await startInboxServer({ client: env().client, identity: { name: 'sam' } });
    try {
      const refused = await post(unsigned.url);
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { error: string }).error).toMatch(/must be signed/);
    } finally {
      await unsigned.close();
    }
    const signing = await startInboxServer({ client: env().client, identity: { name: 'sam' }, signer: signer('inbox', inbox) });
    try {
      expect((await post(signing.url)).status).toBe(200);
    } finally {
      await signing.close();
    }
    await run.result();
    expect(executions.wire_money?.map((e) => e.approvedBy)).toEqual(['sam']);
  });
});

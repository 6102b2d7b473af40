/** Proofs of who resolved: the workflow's check, against signatures made the way the client makes them. */
import { proofProblem } from '../../common/approval-proof';
import type { Escalation, Resolution } from '../../common/escalation';
import { newSigningKey, signResolution } from '../../client/sign-resolution';
import { createPrivateKey } from 'node:crypto';

const pat = newSigningKey();
const mallory = newSigningKey();
const inbox = newSigningKey();
const signer = (name: string, key: { privateKeyPem: string }) => ({ name, key: createPrivateKey(key.privateKeyPem) });

const escalation: Escalation = {
  id: 'tester-1/esc-1',
  kind: 'approval_required',
  reason: 'irreversible',
  step: 1,
  raisedAt: '2026-12-02T03:00:00.000Z',
  deadline: '2026-12-03T03:00:00.000Z',
  allowedDecisions: ['approve', 'reject'],
  approvers: ['pat'],
  approverKeys: { people: { pat: pat.publicKey }, issuers: { inbox: inbox.publicKey } },
};
const approve: Resolution = { escalationId: escalation.id, decision: 'approve', by: 'pat' };

test("pat's own signature proves pat", () => {
  expect(proofProblem(escalation, signResolution(escalation, approve, signer('pat', pat)))).toBeUndefined();
});

test('a trusted issuer may vouch for pat', () => {
  expect(proofProblem(escalation, signResolution(escalation, approve, signer('inbox', inbox)))).toBeUndefined();
});

test('an unsigned resolution is refused', () => {
  expect(proofProblem(escalation, approve)).toMatch(/must be signed/);
});

test("mallory's key claiming to be pat is refused", () => {
  expect(proofProblem(escalation, signResolution(escalation, approve, signer('pat', mallory)))).toMatch(/signature .* does not match/);
});

test('a signer that is not configured is refused', () => {
  expect(proofProblem(escalation, signResolution(escalation, approve, signer('mallory', mallory)))).toMatch(/not a configured signer/);
});

test('a signature for another escalation, or another decision, does not transfer', () => {
  const signed = signResolution(escalation, approve, signer('pat', pat));
  expect(proofProblem({ ...escalation, id: 'tester-1/esc-2' }, { ...signed, escalationId: 'tester-1/esc-2' })).toMatch(/does not match/);
  expect(proofProblem({ ...escalation, raisedAt: '2026-12-02T04:00:00.000Z' }, signed)).toMatch(/does not match/);
  expect(proofProblem(escalation, { ...signed, decision: 'reject' })).toMatch(/does not match/);
  expect(proofProblem(escalation, { ...signed, args: { amountCents: 1 } })).toMatch(/does not match/);
});

test('garbage in the proof is a refusal, never a crash', () => {
  expect(proofProblem(escalation, { ...approve, proof: { signer: 'pat', signature: '!!!' } })).toMatch(/does not match/);
  expect(proofProblem(escalation, { ...approve, proof: 'x' as never })).toMatch(/must be signed/);
});

test('an escalation without keys needs no proof', () => {
  expect(proofProblem({ ...escalation, approverKeys: undefined }, approve)).toBeUndefined();
});

test('the worker warns, naming the agents, when approvals are unproven', async () => {
  const { unprovenApproversWarning } = await import('../../workers/agent-worker');
  const agent = (name: string, approverKeys?: { people: Record<string, string> }) =>
    ({ name, approverKeys }) as unknown as Parameters<typeof unprovenApproversWarning>[0][number];
  expect(unprovenApproversWarning([agent('ops'), agent('billing', { people: { pat: pat.publicKey } })], 'default')).toBe(
    'agent ops has no approver keys: anyone with write access to namespace "default" can resolve its escalations as anyone (see docs/security.md)',
  );
  expect(unprovenApproversWarning([agent('billing', { people: { pat: pat.publicKey } })], 'default')).toBeUndefined();
});

/**
 * Policy never comes from input: run options (which any client of the namespace writes) only narrow the agent's
 * policy, and a continued execution takes the policy from its own worker's registry again, the stricter of the
 * recorded and the current one applying.
 */
import { z } from 'zod';
import { defineAgent, defineTool } from '../agents/define';
import { bookSlot, echo, executions, resetExecutions, testAgent, wireMoney } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';

const env = useTestEnv('policy-from-registry');
beforeEach(() => resetExecutions());

test("a run's step limit above the agent's ceiling is capped at the ceiling", async () => {
  const capped = defineAgent({ name: 'capped', model: 'claude-test', system: 'You test.', tools: [echo, bookSlot], limits: { maxSteps: 1 } });
  await env().withWorker([capped], async () => {
    const run = await env().client.start('capped', 'book it', { scenario: 'three-failures', correlationId: uniqueId('cap'), options: { limits: { maxSteps: 50 } } });
    const escalation = await waitForEscalation(run);
    expect(escalation).toMatchObject({ kind: 'limit_reached' });
    expect(escalation.reason).toContain('steps');
    expect((await run.status()).step).toBe(1);
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
    await run.result();
  });
});

test("a run's corrective budget above the agent's does not buy the model more attempts", async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book it', { scenario: 'three-failures', correlationId: uniqueId('budget'), options: { correctiveRetries: 5 } });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('invalid_tool_calls');
    expect(escalation.reason).toContain('corrective attempts allowed: 1');
    expect((await run.status()).step).toBe(2);
    await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat' });
    await run.result();
    expect(executions.book_slot).toBeUndefined();
  });
});

// The second deploy: the same agent, with book_slot now irreversible.
const bookSlotIrreversible = defineTool({
  name: 'book_slot',
  description: 'Book a slot at a date-time. Now irreversible.',
  input: z.object({ startsAt: z.iso.datetime(), minutes: z.number().int().positive() }),
  effect: 'irreversible',
  run: async () => {
    (executions.book_slot ??= []).push({ args: {}, key: 'gen2' });
    return { booked: true };
  },
});
const before = defineAgent({ name: 'deployed', model: 'claude-test', system: 'You test.', tools: [echo, bookSlot, wireMoney] });
const after = defineAgent({ name: 'deployed', model: 'claude-test', system: 'You test.', tools: [echo, bookSlotIrreversible, wireMoney] });

test('a deploy that makes a tool stricter mid-run applies from the next execution, and the trace says so', async () => {
  // Continue as new before every step, so the step after the approval runs in a fresh execution.
  const options = { continueAsNew: { maxEvents: 5 } };
  const run = await env().withWorker([before], async () => {
    const started = await env().client.start('deployed', 'pay and book', { scenario: 'deploy-tightens', correlationId: uniqueId('deploy'), options });
    expect((await waitForEscalation(started)).kind).toBe('approval_required');
    return started;
  });
  await env().withWorker([after], async () => {
    const approval = await waitForEscalation(run);
    await run.resolve({ escalationId: approval.id, decision: 'approve', by: 'pat' });
    // The run recorded book_slot as a write; the worker now says irreversible: the call waits for a person.
    const stricter = await waitForEscalation(run);
    expect(stricter).toMatchObject({ kind: 'approval_required', proposedCall: { tool: 'book_slot' } });
    expect(executions.book_slot).toBeUndefined();
    await run.resolve({ escalationId: stricter.id, decision: 'reject', by: 'pat' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    const changes = eventsOf(result.trace, 'policy_change');
    expect(changes.length).toBeGreaterThanOrEqual(1);
    expect(changes[0]?.tightened).toEqual(['book_slot.effect: "write" -> "irreversible"']);
    expect(result.ledger.map((e) => e.tool)).toEqual(['wire_money']);
  });
});

/**
 * The turn as a state machine, on a real dev server: a person's edit reaches the model as the call's real result,
 * and a run keeps the spec it recorded across a deploy that changes its agent.
 */
import { z } from 'zod';
import { defineAgent, defineTool } from '../agents/define';
import { bookSlot, echo, executions, resetExecutions, testAgent, wireMoney } from './fixtures/test-agent';
import { useTestEnv } from './helpers/test-env';
import { eventsOf, uniqueId, waitForEscalation } from './helpers/runs';
import type { ToolResultBlock } from '../common/model';

const env = useTestEnv('turn');
beforeEach(() => resetExecutions());

/** The requests the scripted model received for one run, oldest first. */
function requestsOf(workflowId: string): { model: string; max_tokens: number; system: string; tools: { name: string }[]; messages: { role: string; content: unknown }[] }[] {
  return env()
    .model.requests.filter((r) => r.runKey === workflowId && r.status === 200)
    .map((r) => r.body as never);
}

function toolResults(message: { content: unknown } | undefined): ToolResultBlock[] {
  return Array.isArray(message?.content) ? (message.content as ToolResultBlock[]).filter((b) => b.type === 'tool_result') : [];
}

test("a person's edit of a turn that also had an unusable block: the model gets the edited call's real result", async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'book it', { scenario: 'edit-after-unusable-block', correlationId: uniqueId('edit-block') });
    const escalation = await waitForEscalation(run);
    expect(escalation.kind).toBe('invalid_tool_calls');
    expect(escalation.errors?.map((e) => e.code).sort()).toEqual(['invalid_block', 'invalid_input']);
    const toolUseId = escalation.proposedCall?.toolUseId;
    expect(toolUseId).toBeDefined();
    await run.resolve({ escalationId: escalation.id, decision: 'edit', by: 'pat', args: { startsAt: '2026-12-02T09:00:00Z', minutes: 30 } });
    const result = await run.result();
    // The scripted model's `expect` on the last turn refused a request without the booking (a 400, the run fails).
    expect(result.status).toBe('completed');
    expect(executions.book_slot).toHaveLength(1);
    const last = requestsOf(run.workflowId).at(-1);
    const [block] = toolResults(last?.messages.at(-1)).filter((b) => b.tool_use_id === toolUseId);
    expect(block?.is_error).toBeUndefined();
    expect(JSON.parse(block?.content ?? 'null')).toEqual({ booked: true, startsAt: '2026-12-02T09:00:00Z' });
  });
});

const newTool = defineTool({
  name: 'new_tool',
  description: 'Added by the second deploy.',
  input: z.object({}),
  effect: 'read',
  run: async () => ({ added: true }),
});

const generationOne = defineAgent({
  name: 'generations',
  model: 'claude-gen-one',
  maxTokens: 1000,
  system: 'You are generation one.',
  tools: [echo, bookSlot, wireMoney],
});
const generationTwo = defineAgent({
  name: 'generations',
  model: 'claude-gen-two',
  maxTokens: 2000,
  system: 'You are generation two.',
  tools: [echo, wireMoney, newTool],
});

test('a deploy that adds and removes tools mid-run: the run keeps its recorded model, prompt and tools, and is never stranded', async () => {
  const run = await env().withWorker([generationOne], async () => {
    const started = await env().client.start('generations', 'pay acme', { scenario: 'two-generations', correlationId: uniqueId('gens') });
    expect((await waitForEscalation(started)).kind).toBe('approval_required');
    return started;
  });
  await env().withWorker([generationTwo], async () => {
    const approval = await waitForEscalation(run);
    await run.resolve({ escalationId: approval.id, decision: 'approve', by: 'pat' });
    // book_slot is in the run's spec but not on this worker: refused, and a person decides at once.
    const lost = await waitForEscalation(run);
    expect(lost.kind).toBe('invalid_tool_calls');
    expect(lost.errors?.map((e) => e.code)).toEqual(['tool_unavailable']);
    expect(lost.reason).toContain('no corrective attempt can fix it');
    await run.resolve({ escalationId: lost.id, decision: 'reject', by: 'pat' });
    const result = await run.result();
    expect(result.status).toBe('completed');
    // new_tool was never the run's: an ordinary unknown tool on the corrective path, never dispatched.
    expect(eventsOf(result.trace, 'validation_error').map((e) => e.error.code)).toEqual(['tool_unavailable', 'unknown_tool']);
    expect(eventsOf(result.trace, 'corrective_retry')).toHaveLength(1);
    expect(eventsOf(result.trace, 'model_request').every((e) => e.model === 'claude-gen-one')).toBe(true);
  });
  const requests = requestsOf(run.workflowId);
  expect(requests).toHaveLength(4);
  for (const request of requests) {
    expect(request).toMatchObject({ model: 'claude-gen-one', max_tokens: 1000, system: 'You are generation one.' });
  }
  // Offered: what the run recorded and the worker still has; never the tool the deploy added.
  expect(requests[0]?.tools.map((t) => t.name)).toEqual(['echo', 'book_slot', 'wire_money']);
  for (const request of requests.slice(1)) expect(request.tools.map((t) => t.name)).toEqual(['echo', 'wire_money']);
  expect(executions.wire_money).toHaveLength(1);
});

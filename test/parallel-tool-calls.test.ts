/**
 * Several tool calls in one model response, on a real dev server: reads the policy runs at once are dispatched
 * together (their activities are scheduled in one workflow task, before any completes), a call that acts runs
 * alone and in order, and the trace, ledger and idempotency keys are what sequential dispatch gives. The history
 * of a concurrent turn replays.
 */
import { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { defineAgent, defineTool } from '../agents/define';
import type { AgentRun } from '../client/agent-client';
import { SILENT_SINKS } from '../workers/workflow-bundle';
import { useTestEnv } from './helpers/test-env';
import { eventsOf, uniqueId } from './helpers/runs';

const env = useTestEnv('parallel-tool-calls');

const executed: { tool: string; key: string; at: number }[] = [];

const slowLookup = defineTool({
  name: 'slow_lookup',
  description: 'Look a record up (takes 200 ms).',
  input: z.object({ id: z.string() }),
  effect: 'read',
  run: async ({ id }, ctx) => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    executed.push({ tool: 'slow_lookup', key: ctx.idempotencyKey, at: Date.now() });
    return { id, found: true };
  },
});

const noteDown = defineTool({
  name: 'note_down',
  description: 'Write a note.',
  input: z.object({ text: z.string() }),
  effect: 'write',
  run: async (_args, ctx) => {
    executed.push({ tool: 'note_down', key: ctx.idempotencyKey, at: Date.now() });
    return { noted: true };
  },
});

const agent = defineAgent({ name: 'looker', model: 'claude-test', system: 'You look things up.', tools: [slowLookup, noteDown] });

beforeEach(() => (executed.length = 0));

/** Each tool activity of the run, in history order: `scheduled <id>` or `done <id>` (the id is the activity's). */
async function toolTimeline(run: AgentRun): Promise<string[]> {
  const events = (await run.handle.fetchHistory()).events ?? [];
  const tools = new Map<string, string>();
  const out: string[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name?.startsWith('tool.')) {
      tools.set(String(e.eventId), scheduled.activityType.name);
      out.push(`scheduled ${scheduled.activityType.name}`);
    }
    const done = e.activityTaskCompletedEventAttributes;
    const name = done && tools.get(String(done.scheduledEventId));
    if (name) out.push(`done ${name}`);
  }
  return out;
}

test('three reads in one response run at once, and the trace and keys are as sequential dispatch records them', async () => {
  await env().withWorker([agent], async () => {
    const run = await env().client.start('looker', 'look up a, b and c', { scenario: 'parallel-reads', correlationId: uniqueId('parallel') });
    const result = await run.result();
    // The scripted model's `expect` refused a request without all three results in it.
    expect(result.status).toBe('completed');
    // All three scheduled before the first completed: one workflow task scheduled them together.
    expect(await toolTimeline(run)).toEqual([
      'scheduled tool.slow_lookup',
      'scheduled tool.slow_lookup',
      'scheduled tool.slow_lookup',
      'done tool.slow_lookup',
      'done tool.slow_lookup',
      'done tool.slow_lookup',
    ]);
    // They overlapped: each took 200 ms, and all three ended within 150 ms of each other.
    const ends = executed.map((e) => e.at);
    expect(Math.max(...ends) - Math.min(...ends)).toBeLessThan(150);
    const calls = eventsOf(result.trace, 'tool_call');
    const results = eventsOf(result.trace, 'tool_result');
    expect(calls.map((c) => c.args)).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect(new Set(results.map((r) => r.toolUseId))).toEqual(new Set(calls.map((c) => c.toolUseId)));
    // The idempotency key of each call is the run's and its tool_use id, as for a call run alone.
    expect(executed.map((e) => e.key).sort()).toEqual(calls.map((c) => `${run.workflowId}/${c.toolUseId}`).sort());

    // Replays: the concurrent turn's commands are the same on a new worker.
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string }, sinks: SILENT_SINKS },
      await run.handle.fetchHistory(),
      run.workflowId,
    );
  });
});

test('a write among reads runs alone, in order: the reads before it together, the read after it once it is done', async () => {
  await env().withWorker([agent], async () => {
    const run = await env().client.start('looker', 'look up and note', { scenario: 'parallel-mixed', correlationId: uniqueId('mixed'), options: { mode: 'act' } });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(await toolTimeline(run)).toEqual([
      'scheduled tool.slow_lookup',
      'scheduled tool.slow_lookup',
      'done tool.slow_lookup',
      'done tool.slow_lookup',
      'scheduled tool.note_down',
      'done tool.note_down',
      'scheduled tool.slow_lookup',
      'done tool.slow_lookup',
    ]);
    // The write's ledger entry and key, exactly once.
    const [entry, ...more] = result.ledger;
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ tool: 'note_down', effect: 'write', idempotencyKey: `${run.workflowId}/${entry?.toolUseId}` });
    expect(executed.filter((e) => e.tool === 'note_down')).toHaveLength(1);
  });
});

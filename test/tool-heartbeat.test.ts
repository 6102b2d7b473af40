/**
 * The tool activity heartbeats for the tool while `run` is in flight: a tool that never heartbeats itself still
 * runs longer than its heartbeat timeout on a live worker (and a dead worker's call is retried within it, as the
 * crash tests show), and it runs once. And the worker sends those heartbeats to the server every 2 s or so, not
 * every 0.8 × the timeout (the SDK's throttle), so a live call keeps most of its timeout as margin.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineAgent, defineTool } from '../agents/define';
import { scheduledActivities, uniqueId } from './helpers/runs';
import { tempDataDir, useTestEnv } from './helpers/test-env';

const env = useTestEnv('tool-heartbeat');
let executions = 0;
const slowRead = defineTool({
  name: 'slow_read',
  description: 'A slow read that never heartbeats by itself.',
  input: z.object({}),
  effect: 'read',
  heartbeatTimeoutMs: 1_000,
  timeoutMs: 20_000,
  run: async () => {
    executions++;
    await new Promise((r) => setTimeout(r, 3_500));
    return { ok: true };
  },
});
let releaseLong: (() => void) | undefined;
const longRead = defineTool({
  name: 'long_read',
  description: 'A read that runs until the test lets it finish.',
  input: z.object({}),
  effect: 'read',
  heartbeatTimeoutMs: 8_000,
  timeoutMs: 60_000,
  run: () => new Promise<{ ok: boolean }>((resolve) => (releaseLong = () => resolve({ ok: true }))),
});
const agent = defineAgent({ name: 'slowpoke', model: 'claude-test', system: 'Be patient.', tools: [slowRead, longRead] });

test('a tool that runs 3.5 s with a 1 s heartbeat timeout completes on its first attempt', async () => {
  const scenario = join(tempDataDir(), 'slow.json');
  writeFileSync(scenario, JSON.stringify({ name: 'slow', turns: [{ toolCalls: [{ name: 'slow_read', input: {} }] }, { text: 'Done.' }] }));
  const result = await env().withWorker([agent], async () => {
    const run = await env().client.start('slowpoke', 'Read slowly.', { scenario, correlationId: uniqueId('slow') });
    const outcome = await run.result();
    expect(await scheduledActivities(run)).toContain('tool.slow_read');
    return outcome;
  });
  expect(result.status).toBe('completed');
  expect(executions).toBe(1);
}, 60_000);

test('a live call with an 8 s heartbeat timeout reaches the server every 2–3 s, not every 6.4 s', async () => {
  const scenario = join(tempDataDir(), 'long.json');
  writeFileSync(scenario, JSON.stringify({ name: 'long', turns: [{ toolCalls: [{ name: 'long_read', input: {} }] }, { text: 'Done.' }] }));
  const gaps = await env().withWorker([agent], async () => {
    const run = await env().client.start('slowpoke', 'Read for a while.', { scenario, correlationId: uniqueId('long') });
    const handle = env().client.client.workflow.getHandle(run.workflowId);
    // The server's record of the call's last heartbeat, sampled for 12 s: the gaps between successive records.
    const seen: number[] = [];
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const last = pending[0]?.lastHeartbeatTime;
      if (last) {
        const at = Number(last.seconds) * 1_000 + (last.nanos ?? 0) / 1e6;
        if (seen.at(-1) !== at) seen.push(at);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    releaseLong?.();
    expect((await run.result()).status).toBe('completed');
    return seen.slice(1).map((at, i) => at - (seen[i] as number));
  });
  // Beats every 8/3 s from the activity, sent at once (the 2 s throttle has passed by then). Without the cap the
  // SDK holds them for 0.8 × 8 s = 6.4 s, which leaves a live call 1.6 s of margin.
  expect(gaps.length).toBeGreaterThanOrEqual(3);
  expect(Math.max(...gaps)).toBeLessThan(4_000);
}, 60_000);

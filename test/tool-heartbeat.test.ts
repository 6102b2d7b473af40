/**
 * The tool activity heartbeats for the tool while `run` is in flight: a tool that never heartbeats itself still
 * runs longer than its heartbeat timeout on a live worker (and a dead worker's call is retried within it, as the
 * crash tests show), and it runs once.
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
const agent = defineAgent({ name: 'slowpoke', model: 'claude-test', system: 'Be patient.', tools: [slowRead] });

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

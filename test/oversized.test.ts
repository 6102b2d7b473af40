/**
 * Input larger than Temporal's 2 MB payload limit: a 3 MB prompt and a 3 MB tool output. Both are offloaded to the
 * store (the prompt by Temporal's External Storage, the output by the tool step), the run completes, no payload in
 * the server's history comes near the limit, and no workflow task fails.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { defineAgent, defineTool } from '../agents/define';
import { isOffloaded } from '../common/conversation';
import { eventsOf, uniqueId } from './helpers/runs';
import { tempDataDir, useTestEnv } from './helpers/test-env';

const env = useTestEnv('oversized');
const BIG = 3 * 1024 * 1024;

const bigReport = defineTool({
  name: 'big_report',
  description: 'Produce the quarterly report (large).',
  input: z.object({}),
  effect: 'read',
  run: async () => ({ report: 'r'.repeat(BIG) }),
});
const reporter = defineAgent({ name: 'reporter', model: 'claude-test', system: 'You read reports.', tools: [bigReport], limits: { maxTokens: 1e12 } });

test('a 3 MB prompt and a 3 MB tool output: offloaded, the run completes, history holds no big payload', async () => {
  const scenario = join(tempDataDir(), 'oversized.json');
  writeFileSync(
    scenario,
    JSON.stringify({ name: 'oversized', turns: [{ text: 'Reading the report.', toolCalls: [{ name: 'big_report', input: {} }] }, { text: 'Report read.' }] }),
  );
  const prompt = `Summarise this log:\n${'log line\n'.repeat(BIG / 9)}`;
  expect(prompt.length).toBeGreaterThan(BIG);

  const { run, result } = await env().withWorker([reporter], async () => {
    const run = await env().client.start('reporter', prompt, { scenario, correlationId: uniqueId('big') });
    return { run, result: await run.result() };
  });
  expect(result.status).toBe('completed');
  const output = eventsOf(result.trace, 'tool_result')[0]?.result;
  expect(isOffloaded(output)).toBe(true);
  // The model got the whole output back: its next request carried it (the scripted model records requests).
  const last = env().model.requests.filter((r) => r.runKey === run.workflowId).at(-1);
  expect(JSON.stringify(last?.body).length).toBeGreaterThan(2 * BIG);

  const history = await run.handle.fetchHistory();
  const largest = Math.max(...(history.events ?? []).map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length));
  expect(largest).toBeLessThan(256 * 1024);
  expect((history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
  // And the client reads the offloaded prompt back as the run's input.
  expect((await run.input()).prompt).toBe(prompt);
}, 120_000);

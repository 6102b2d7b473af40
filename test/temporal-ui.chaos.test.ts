/**
 * The Temporal UI tells the story: a real dev server with its Web UI, the demo scenario, and headless Chromium
 * reading the run's history page: the tool activities, the model steps, and the escalation's resolution.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runUrl } from '../client/config';
import { opsAgent } from '../examples/ops-agent/agent';
import { SCREENSHOTS } from './helpers/browser';
import { uniqueId, waitForEscalation } from './helpers/runs';
import { tempDataDir } from './helpers/test-env';
import { startUiTestEnv, type UiTestEnv } from './helpers/ui-env';

let env: UiTestEnv;
beforeAll(async () => {
  process.env.DURABLE_AGENT_DATA_DIR = tempDataDir();
  env = await startUiTestEnv('ui-test');
}, 120_000);
afterAll(async () => env?.stop());

test('the run page shows the tool activities, the model steps and the resolved escalation', async () => {
  const { workflowId, runId } = await env.withWorker([opsAgent], async () => {
    const run = await env.client.start('ops', 'Refund Ana for the broken teapot.', { scenario: 'demo', correlationId: uniqueId('ui') });
    const escalation = await waitForEscalation(run);
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
    const result = await run.result();
    return { workflowId: run.workflowId, runId: result.runId };
  });

  const page = await env.browser.newPage({ viewport: { width: 1600, height: 1200 } });
  await page.goto(runUrl(env.client.settings, workflowId, runId), { waitUntil: 'networkidle' });
  mkdirSync(SCREENSHOTS, { recursive: true });
  try {
    await page.getByText('tool.issue_refund').first().waitFor({ timeout: 30_000 });
  } finally {
    await page.screenshot({ path: join(SCREENSHOTS, 'temporal-ui-run.png'), fullPage: true });
  }
  const text = await page.locator('body').innerText();
  expect(text).toContain(workflowId);
  for (const activity of ['tool.lookup_customer', 'tool.schedule_callback', 'tool.issue_refund', 'model.call']) expect(text).toContain(activity);
  // The escalation's resolution arrived as the resolveEscalation Update.
  expect(text).toMatch(/resolveEscalation|UpdateAccepted|Update Accepted/);
  expect(text).toContain('waiting for a person: approval_required');
}, 120_000);

/**
 * The Temporal UI tells the story: a real dev server with its Web UI, the demo scenario, and headless Chromium
 * reading the run's history page: the tool activities, the model steps, and the escalation's resolution.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import type { Browser } from 'playwright-core';
import { AgentClient } from '../client/agent-client';
import { runUrl } from '../client/config';
import { opsAgent } from '../examples/ops-agent/agent';
import { startScriptedModelServer, type ScriptedModelServer } from '../scripted-model/server';
import { startDevServer, type DevServer } from '../temporal-config/dev-server';
import { createAgentWorker } from '../workers/agent-worker';
import { launchBrowser, SCREENSHOTS } from './helpers/browser';
import { uniqueId, waitForEscalation } from './helpers/runs';
import { FIXTURE_SCENARIOS, quietRuntime, tempDataDir } from './helpers/test-env';
import { exampleScenarioDirs } from '../examples';

let server: DevServer;
let model: ScriptedModelServer;
let client: AgentClient;
let connection: NativeConnection;
let browser: Browser;

beforeAll(async () => {
  quietRuntime();
  process.env.DURABLE_AGENT_DATA_DIR = tempDataDir();
  server = await startDevServer({ headless: false });
  model = await startScriptedModelServer({ scenarioDirs: [FIXTURE_SCENARIOS, ...exampleScenarioDirs] });
  client = await AgentClient.connect({ address: server.address, namespace: server.namespace, taskQueue: 'ui-test', uiUrl: server.uiUrl });
  connection = await NativeConnection.connect({ address: server.address });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await connection?.close();
  await client?.client.connection.close();
  await model?.close();
  await server?.stop();
});

test('the run page shows the tool activities, the model steps and the resolved escalation', async () => {
  const worker = await createAgentWorker({
    agents: [opsAgent],
    connection,
    namespace: server.namespace,
    taskQueue: 'ui-test',
    model: { baseURL: model.url },
    workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string },
  });
  const { workflowId, runId } = await worker.runUntil(async () => {
    const run = await client.start('ops', 'Refund Ana for the broken teapot.', { scenario: 'demo', correlationId: uniqueId('ui') });
    const escalation = await waitForEscalation(run);
    await run.resolve({ escalationId: escalation.id, decision: 'approve', by: 'pat' });
    const result = await run.result();
    return { workflowId: run.workflowId, runId: result.runId };
  });

  const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  await page.goto(runUrl(client.settings, workflowId, runId), { waitUntil: 'networkidle' });
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

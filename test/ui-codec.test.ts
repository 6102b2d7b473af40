/**
 * Encrypted at rest, readable to a person with access: the server stores ciphertext, and the Temporal UI, pointed at
 * our Codec Server, shows the run's input decoded.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import type { Browser } from 'playwright-core';
import { AgentClient } from '../client/agent-client';
import { runUrl } from '../client/config';
import { startCodecServer, type CodecServer } from '../codec-server/server';
import { payloadCodecs } from '../data-converter/keys-from-env';
import { exampleScenarioDirs } from '../examples';
import { startScriptedModelServer, type ScriptedModelServer } from '../scripted-model/server';
import { getFreePort, startDevServer, type DevServer } from '../temporal-config/dev-server';
import { createAgentWorker } from '../workers/agent-worker';
import { testAgent } from './fixtures/test-agent';
import { launchBrowser, SCREENSHOTS } from './helpers/browser';
import { uniqueId } from './helpers/runs';
import { FIXTURE_SCENARIOS, quietRuntime } from './helpers/test-env';

const MARKER = 'UI-MARKER-c0dec';
const TOKEN = randomBytes(24).toString('hex');
let server: DevServer;
let codec: CodecServer;
let model: ScriptedModelServer;
let client: AgentClient;
let connection: NativeConnection;
let browser: Browser;

beforeAll(async () => {
  quietRuntime();
  process.env.DURABLE_AGENT_PAYLOAD_KEY = randomBytes(32).toString('base64');
  process.env.DURABLE_AGENT_PAYLOAD_KEY_ID = 'ui-k1';
  const uiPort = await getFreePort();
  codec = await startCodecServer({ codecs: payloadCodecs(), token: TOKEN, allowedOrigin: `http://127.0.0.1:${uiPort}` });
  server = await startDevServer({ uiPort, uiCodecEndpoint: `${codec.url}/${TOKEN}` });
  model = await startScriptedModelServer({ scenarioDirs: [FIXTURE_SCENARIOS, ...exampleScenarioDirs] });
  client = await AgentClient.connect({ address: server.address, namespace: server.namespace, taskQueue: 'ui-codec', uiUrl: server.uiUrl });
  connection = await NativeConnection.connect({ address: server.address });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  delete process.env.DURABLE_AGENT_PAYLOAD_KEY;
  delete process.env.DURABLE_AGENT_PAYLOAD_KEY_ID;
  await browser?.close();
  await connection?.close();
  await client?.client.connection.close();
  await model?.close();
  await codec?.close();
  await server?.stop();
});

test('the UI shows the encrypted run decoded through the codec server', async () => {
  const worker = await createAgentWorker({
    agents: [testAgent],
    connection,
    namespace: server.namespace,
    taskQueue: 'ui-codec',
    model: { baseURL: model.url },
    workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string },
  });
  const { workflowId, runId } = await worker.runUntil(async () => {
    const run = await client.start('tester', `Echo the reference for ${MARKER}`, { scenario: 'secret-marker', correlationId: uniqueId('uicodec') });
    const result = await run.result();
    return { workflowId: run.workflowId, runId: result.runId };
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  await page.goto(runUrl(client.settings, workflowId, runId), { waitUntil: 'networkidle' });
  mkdirSync(SCREENSHOTS, { recursive: true });
  try {
    await page.getByText(MARKER).first().waitFor({ timeout: 30_000 });
  } finally {
    await page.screenshot({ path: join(SCREENSHOTS, 'temporal-ui-decoded.png'), fullPage: true });
  }
  expect(await page.locator('body').innerText()).toContain(`Echo the reference for ${MARKER}`);
}, 120_000);

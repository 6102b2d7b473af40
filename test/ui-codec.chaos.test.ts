/**
 * Encrypted at rest, readable to a person with access: the server stores ciphertext, and the Temporal UI, pointed at
 * our Codec Server, shows the run's input decoded.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runUrl } from '../client/config';
import { startCodecServer, type CodecServer } from '../codec-server/server';
import { payloadCodecs } from '../data-converter/keys-from-env';
import { getFreePort } from '../temporal-config/dev-server';
import { testAgent } from './fixtures/test-agent';
import { SCREENSHOTS } from './helpers/browser';
import { uniqueId } from './helpers/runs';
import { startUiTestEnv, type UiTestEnv } from './helpers/ui-env';

const MARKER = 'UI-MARKER-c0dec';
const TOKEN = randomBytes(24).toString('hex');
let codec: CodecServer;
let env: UiTestEnv;

beforeAll(async () => {
  process.env.DURABLE_AGENT_PAYLOAD_KEY = randomBytes(32).toString('base64');
  process.env.DURABLE_AGENT_PAYLOAD_KEY_ID = 'ui-k1';
  const uiPort = await getFreePort();
  codec = await startCodecServer({ codecs: payloadCodecs(process.env, { acceptPlain: true }), token: TOKEN, allowedOrigin: `http://127.0.0.1:${uiPort}` });
  env = await startUiTestEnv('ui-codec', { uiPort, codecEndpoint: `${codec.url}/${TOKEN}` });
}, 120_000);

afterAll(async () => {
  delete process.env.DURABLE_AGENT_PAYLOAD_KEY;
  delete process.env.DURABLE_AGENT_PAYLOAD_KEY_ID;
  await env?.stop();
  await codec?.close();
});

test('the UI shows the encrypted run decoded through the codec server', async () => {
  const { workflowId, runId } = await env.withWorker([testAgent], async () => {
    const run = await env.client.start('tester', `Echo the reference for ${MARKER}`, { scenario: 'secret-marker', correlationId: uniqueId('uicodec') });
    const result = await run.result();
    return { workflowId: run.workflowId, runId: result.runId };
  });
  const page = await env.browser.newPage({ viewport: { width: 1600, height: 1200 } });
  await page.goto(runUrl(env.client.settings, workflowId, runId), { waitUntil: 'networkidle' });
  mkdirSync(SCREENSHOTS, { recursive: true });
  try {
    await page.getByText(MARKER).first().waitFor({ timeout: 30_000 });
  } finally {
    await page.screenshot({ path: join(SCREENSHOTS, 'temporal-ui-decoded.png'), fullPage: true });
  }
  expect(await page.locator('body').innerText()).toContain(`Echo the reference for ${MARKER}`);
}, 120_000);

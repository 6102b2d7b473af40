/**
 * The real API key goes to the real API (or to the ANTHROPIC_BASE_URL its owner configured) and nowhere else: a
 * scripted model server, or any URL the configuration did not choose for the key, gets a placeholder. Checked on the
 * wire, with the real SDK, against the scripted model's recorded request headers.
 */
import { createModelClient } from '../workers/model-client';
import { configFromEnv } from '../common/config';
import { RUN_HEADER, SCENARIO_HEADER, startScriptedModelServer, type ScriptedModelServer } from '../scripted-model/server';
import { FIXTURE_SCENARIOS } from './helpers/paths';
import { uniqueId } from './helpers/runs';

// A fake key in the real key's shape, assembled at run time so secret scanners do not flag the source.
const SECRET = ['sk', 'ant', 'api03', 'test', 'secret', '0123456789'].join('-');
const SDK_ENV = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_CUSTOM_HEADERS'] as const;

let model: ScriptedModelServer;
const saved: Record<string, string | undefined> = {};
beforeAll(async () => {
  model = await startScriptedModelServer({ scenarioDirs: [FIXTURE_SCENARIOS] });
  for (const name of SDK_ENV) saved[name] = process.env[name];
});
afterEach(() => {
  for (const name of SDK_ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});
afterAll(async () => model?.close());

/** Every header value the scripted server received for one call made through `client`. */
async function headersSent(client: ReturnType<typeof createModelClient>): Promise<Record<string, string>> {
  const run = uniqueId('key');
  await client.anthropic.messages.create(
    { model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] },
    { headers: { [SCENARIO_HEADER]: 'happy', [RUN_HEADER]: run } },
  );
  const request = model.requests.find((r) => r.runKey === run);
  if (!request) throw new Error('the scripted model recorded no request');
  return request.headers;
}

describe('a non-Anthropic base URL never gets the real key', () => {
  test('DURABLE_AGENT_MODEL_URL with ANTHROPIC_API_KEY set: the scripted server gets a placeholder', async () => {
    process.env.ANTHROPIC_API_KEY = SECRET;
    const config = configFromEnv({ ANTHROPIC_API_KEY: SECRET, DURABLE_AGENT_MODEL_URL: model.url });
    const headers = await headersSent(createModelClient({}, config.model));
    expect(JSON.stringify(headers)).not.toContain(SECRET);
    expect(headers.authorization ?? headers['x-api-key']).toBeDefined();
  });

  test('a scripted baseURL passed with a key: the key is not sent', async () => {
    const headers = await headersSent(createModelClient({ baseURL: model.url, apiKey: SECRET }, {}));
    expect(JSON.stringify(headers)).not.toContain(SECRET);
  });

  test('ANTHROPIC_AUTH_TOKEN and ANTHROPIC_CUSTOM_HEADERS in the environment do not reach a scripted server', async () => {
    process.env.ANTHROPIC_AUTH_TOKEN = SECRET;
    process.env.ANTHROPIC_CUSTOM_HEADERS = `x-api-key: ${SECRET}\nx-gateway-token: ${SECRET}`;
    const headers = await headersSent(createModelClient({}, { scriptedUrl: model.url }));
    expect(JSON.stringify(headers)).not.toContain(SECRET);
  });

  test('an ANTHROPIC_BASE_URL the configuration did not name is not where the key goes', async () => {
    // The configuration (read from another environment, or built in code) names no base URL: the key is for
    // api.anthropic.com. The SDK would read this process's ANTHROPIC_BASE_URL on its own and send the key there.
    process.env.ANTHROPIC_BASE_URL = model.url;
    const client = createModelClient({}, { apiKey: SECRET });
    expect(client.baseURL).toBe('https://api.anthropic.com');
    expect(client.scripted).toBe(false);
  });

  test('an explicitly configured ANTHROPIC_BASE_URL is the owner\'s choice: the key goes there', async () => {
    const config = configFromEnv({ ANTHROPIC_API_KEY: SECRET, ANTHROPIC_BASE_URL: model.url });
    const client = createModelClient({}, config.model);
    expect(client.baseURL).toBe(model.url);
    const headers = await headersSent({ ...client, scripted: true });
    expect(JSON.stringify(headers)).toContain(SECRET);
  });
});

/**
 * A model error's text can echo a key (a proxy or gateway that repeats the Authorization header in its error body).
 * What the model activity puts into its failure is scrubbed, so the key never reaches the run's history.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testAgent } from './fixtures/test-agent';
import { historyText } from './helpers/history-text';
import { uniqueId } from './helpers/runs';
import { useTestEnv } from './helpers/test-env';

const env = useTestEnv('model-error-secrets');
// Made up at run time, so nothing shaped like a key is ever committed.
const ECHOED_KEY = ['sk', 'ant', 'api03', randomBytes(16).toString('hex')].join('-');
const ECHOED_TOKEN = `gw_live_${randomBytes(8).toString('hex')}`;

/** A proxy rejects the request and echoes the credentials it was sent in its error body. */
function echoingScenario(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'durable-agent-echo-')), 'model-echoes-key.json');
  const message = `invalid credentials: x-api-key ${ECHOED_KEY}; Authorization: Bearer ${ECHOED_TOKEN}`;
  writeFileSync(file, JSON.stringify({ name: 'model-echoes-key', turns: [{ errors: [{ status: 401, message }], text: 'never reached' }] }));
  return file;
}

test('an error body echoing an API key and a bearer token: neither is in the history', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'hello', { scenario: echoingScenario(), correlationId: uniqueId('echo') });
    const result = await run.result();
    expect(result.status).toBe('failed');
    // The scripted model did send the key back: the test sees what the activity had to scrub.
    const sent = env().model.requests.filter((r) => r.runKey === run.workflowId);
    expect(sent.map((r) => r.error).join(' ')).toContain(ECHOED_KEY);
    const raw = await run.handle.fetchHistory();
    // Both as the server holds it and with every payload decoded (the run's result carries the message too).
    const history = `${JSON.stringify(raw)}\n${historyText(raw)}`;
    expect(history).toContain('invalid credentials');
    expect(history).toContain('[redacted');
    expect(history).not.toContain(ECHOED_KEY);
    expect(history).not.toContain(ECHOED_TOKEN);
    expect(JSON.stringify(result)).not.toContain(ECHOED_KEY);
  });
});

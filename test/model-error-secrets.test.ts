/**
 * A model error's text can echo a key (a proxy or gateway that repeats the Authorization header in its error body).
 * What the model activity puts into its failure is scrubbed, so the key never reaches the run's history.
 */
import { testAgent } from './fixtures/test-agent';
import { historyText } from './helpers/history-text';
import { uniqueId } from './helpers/runs';
import { useTestEnv } from './helpers/test-env';

const env = useTestEnv('model-error-secrets');
const ECHOED_KEY = 'sk-ant-api03-echoed-by-proxy-0123456789abcdef';
const ECHOED_TOKEN = 'gw_live_0123456789abcdef';

test('an error body echoing an API key and a bearer token: neither is in the history', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', 'hello', { scenario: 'model-echoes-key', correlationId: uniqueId('echo') });
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

/**
 * The API key reaches the model's HTTP endpoint and nothing else: not the history, not the trace, not the result.
 */
import { NativeConnection } from '@temporalio/worker';
import { testAgent } from './fixtures/test-agent';
import { uniqueId } from './helpers/runs';
import { historyText } from './helpers/history-text';
import { useTestEnv } from './helpers/test-env';
import { createAgentWorker } from '../workers/agent-worker';

const env = useTestEnv('secrets');
// A fake key in the real key's shape, assembled at run time so secret scanners do not flag the source.
const SECRET = ['sk', 'ant', 'api03', 'test', 'secret', 'that', 'must', 'not', 'leak', '0123456789'].join('-');

test('the API key is sent as a header and appears in no history, trace or result', async () => {
  const connection = await NativeConnection.connect({ address: env().server.address });
  try {
    const worker = await createAgentWorker({
      agents: [testAgent],
      connection,
      namespace: env().server.namespace,
      taskQueue: env().taskQueue,
      model: { baseURL: env().model.url, apiKey: SECRET },
      workflowBundle: { codePath: process.env.DURABLE_AGENT_TEST_BUNDLE as string },
      // The client's store: a run's record may be archived there.
      store: env().store,
    });
    await worker.runUntil(async () => {
      const run = await env().client.start('tester', 'say hi', { scenario: 'happy', correlationId: uniqueId('secret') });
      const result = await run.result();
      expect(result.status).toBe('completed');
      const history = historyText(await run.handle.fetchHistory());
      expect(history).toContain('say hi'); // the payloads were decoded: the check can see what they hold
      expect(history).not.toContain(SECRET);
      expect(JSON.stringify(result)).not.toContain(SECRET);
      expect(JSON.stringify(await run.trace())).not.toContain(SECRET);
      // The scripted model recorded bodies: the key travels in a header only.
      for (const request of env().model.requests.filter((r) => r.runKey === run.workflowId)) {
        expect(JSON.stringify(request.body)).not.toContain(SECRET);
      }
    });
  } finally {
    await connection.close();
  }
});


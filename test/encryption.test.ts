/**
 * Payloads private at rest: with a key configured, the server stores only ciphertext; a client with the key reads
 * everything; keys rotate by id.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { AgentClient } from '../client/agent-client';
import { testAgent } from './fixtures/test-agent';
import { uniqueId } from './helpers/runs';
import { historyText } from './helpers/history-text';
import { useTestEnv } from './helpers/test-env';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
// Before useTestEnv's beforeAll: the client and the workers it starts read the key from the environment.
process.env.DURABLE_AGENT_PAYLOAD_KEY = K1;
process.env.DURABLE_AGENT_PAYLOAD_KEY_ID = 'k1';
afterAll(() => {
  delete process.env.DURABLE_AGENT_PAYLOAD_KEY;
  delete process.env.DURABLE_AGENT_PAYLOAD_KEY_ID;
  delete process.env.DURABLE_AGENT_PAYLOAD_OLD_KEYS;
});

const env = useTestEnv('encryption');
const PROMPT_MARKER = 'PROMPT-MARKER-5e8d';
const TOOL_MARKER = 'TOOL-MARKER-91c2';

test('the stored history holds no plaintext of the prompt or a tool result; the keyed client reads both', async () => {
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', `Echo the reference for account ${PROMPT_MARKER}`, {
      scenario: 'secret-marker',
      correlationId: uniqueId('sealed'),
    });
    const result = await run.result();
    expect(result.status).toBe('completed');
    expect(JSON.stringify(result.trace)).toContain(TOOL_MARKER);
    expect(await run.explain()).toContain(PROMPT_MARKER);

    // What the server stores, read without the key.
    const plain = new Client({ connection: await Connection.connect({ address: env().server.address }), namespace: env().server.namespace });
    try {
      const stored = historyText(await plain.workflow.getHandle(run.workflowId).fetchHistory());
      expect(stored).toContain('binary/encrypted');
      expect(stored).toContain('k1');
      expect(stored).not.toContain(PROMPT_MARKER);
      expect(stored).not.toContain(TOOL_MARKER);
    } finally {
      await plain.connection.close();
    }
  });
});

test('keys rotate: a client whose current key is k2 still reads k1 payloads when k1 is kept as an old key', async () => {
  let workflowId = '';
  await env().withWorker([testAgent], async () => {
    const run = await env().client.start('tester', `reference ${PROMPT_MARKER}`, { scenario: 'secret-marker', correlationId: uniqueId('rotate') });
    await run.result();
    workflowId = run.workflowId;
  });
  const settings = { address: env().server.address, namespace: env().server.namespace, taskQueue: env().taskQueue };
  process.env.DURABLE_AGENT_PAYLOAD_KEY = K2;
  process.env.DURABLE_AGENT_PAYLOAD_KEY_ID = 'k2';
  process.env.DURABLE_AGENT_PAYLOAD_OLD_KEYS = `k1:${K1}`;
  const rotated = await AgentClient.connect(settings);
  delete process.env.DURABLE_AGENT_PAYLOAD_OLD_KEYS;
  const withoutOld = await AgentClient.connect(settings);
  try {
    expect((await (await rotated.run(workflowId)).result()).status).toBe('completed');
    await expect(withoutOld.run(workflowId).then((r) => r.result())).rejects.toThrow(/encrypted with key "k1"/);
  } finally {
    process.env.DURABLE_AGENT_PAYLOAD_KEY = K1;
    process.env.DURABLE_AGENT_PAYLOAD_KEY_ID = 'k1';
    await rotated.client.connection.close();
    await withoutOld.client.connection.close();
  }
});


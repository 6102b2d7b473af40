/**
 * Payloads private at rest: with a key configured, the server stores only ciphertext; a client with the key reads
 * everything; keys rotate by id; and a worker with the key refuses what a client without it sends.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { payloadCodecs } from '../data-converter/keys-from-env';
import { AgentClient } from '../client/agent-client';
import { testAgent } from './fixtures/test-agent';
import { uniqueId, waitForEscalation } from './helpers/runs';
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


/** A client that talks to the same server with no codec: what anyone with access to the namespace could run. */
async function plainClient(): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: env().server.address }), namespace: env().server.namespace });
}

/**
 * The failed workflow tasks' messages, as the keyed side reads them: failure messages are encoded payloads
 * (data-converter/failure-converter.ts), so the stored message is "Encoded failure" and the text is ciphertext.
 */
async function failedTaskMessages(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const failures = (history.events ?? []).flatMap((e) => (e.workflowTaskFailedEventAttributes?.failure ? [e.workflowTaskFailedEventAttributes.failure] : []));
  const codecs = payloadCodecs(process.env);
  return Promise.all(
    failures.map(async (failure) => {
      if (!failure.encodedAttributes) return failure.message ?? '';
      expect(failure.message).toBe('Encoded failure');
      let payload = failure.encodedAttributes as Payload;
      for (const codec of [...codecs].reverse()) payload = (await codec.decode([payload]))[0] as Payload;
      return (defaultPayloadConverter.fromPayload(payload) as { message: string }).message;
    }),
  );
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('with a payload key, a run started by a client without the key is refused: its input is never read as plain JSON', async () => {
  const plain = await plainClient();
  try {
    await env().withWorker([testAgent], async () => {
      const workflowId = `tester-${uniqueId('plain-start')}`;
      await plain.workflow.start('agentWorkflow', {
        taskQueue: env().taskQueue,
        workflowId,
        args: [{ agent: 'tester', prompt: 'pay acme', correlationId: workflowId, scenario: 'approval' }],
      });
      // The worker cannot decode the start: every workflow task fails, nothing of the agent runs.
      const messages = await until('a failed workflow task', async () => {
        const found = await failedTaskMessages(plain, workflowId);
        return found.length > 0 ? found : undefined;
      });
      expect(messages[0]).toMatch(/Unknown encoding: refused: unencrypted payload/);
      const history = await plain.workflow.getHandle(workflowId).fetchHistory();
      expect((history.events ?? []).some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
      await plain.workflow.getHandle(workflowId).terminate('test over');
    });
  } finally {
    await plain.connection.close();
  }
});

test('with a payload key, an Update sent by a client without the key is refused, and the keyed resolution still works', async () => {
  const plain = await plainClient();
  try {
    await env().withWorker([testAgent], async () => {
      const run = await env().client.start('tester', 'pay', { scenario: 'approval', correlationId: uniqueId('plain-update') });
      const escalation = await waitForEscalation(run);
      // The approver's name, in plain JSON: were it decoded, the validator would accept it.
      const forged = plain.workflow
        .getHandle(run.workflowId)
        .executeUpdate('resolveEscalation', { args: [{ escalationId: escalation.id, decision: 'approve', by: 'pat' }] });
      // The SDK rejects an Update whose input cannot be read, before it is accepted: nothing is recorded, the run goes
      // on. The rejection's text is itself encrypted (failures are payloads): this client cannot even read why.
      const refused = await forged.then(
        () => undefined,
        (err: unknown) => err as { name: string; message: string; cause?: { message?: string } },
      );
      expect(refused).toBeDefined();
      expect(`${refused?.message} ${refused?.cause?.message ?? ''}`).not.toMatch(/accepted|approve by pat/);
      expect((await run.pendingEscalation())?.id).toBe(escalation.id);
      expect(await failedTaskMessages(plain, run.workflowId)).toEqual([]);

      await run.resolve({ escalationId: escalation.id, decision: 'reject', by: 'pat', text: 'not this one' });
      const result = await run.result();
      expect(result.ledger.filter((e) => e.tool === 'wire_money')).toEqual([]);
    });
  } finally {
    await plain.connection.close();
  }
});

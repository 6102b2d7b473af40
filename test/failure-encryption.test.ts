/**
 * Failures are private at rest too: with a payload key, a tool error quoting its arguments is stored encrypted
 * (the failure converter encodes message and stack as a payload, and the codec encrypts it); the keyed client
 * reads it back.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Client, Connection } from '@temporalio/client';
import { defineAgent, defineTool, ToolError } from '../agents/define';
import { eventsOf, uniqueId } from './helpers/runs';
import { historyText } from './helpers/history-text';
import { useTestEnv } from './helpers/test-env';

// Before useTestEnv's beforeAll: the client and the workers it starts read the key from the environment.
process.env.DURABLE_AGENT_PAYLOAD_KEY = randomBytes(32).toString('base64');
process.env.DURABLE_AGENT_PAYLOAD_KEY_ID = 'k1';
afterAll(() => {
  delete process.env.DURABLE_AGENT_PAYLOAD_KEY;
  delete process.env.DURABLE_AGENT_PAYLOAD_KEY_ID;
});

const env = useTestEnv('failure-encryption');
const MARKER = 'ACCOUNT-MARKER-7f3a';

const lookupAccount = defineTool({
  name: 'lookup_account',
  description: 'Look up an account.',
  input: z.object({ account: z.string() }),
  effect: 'read',
  run: async ({ account }) => {
    throw new ToolError(`no account ${account} in the ledger`);
  },
});
const agent = defineAgent({ name: 'accounts', model: 'claude-test', system: 'You look up accounts.', tools: [lookupAccount] });

test("a tool error quoting its arguments is ciphertext in the stored history; the keyed client reads it", async () => {
  await env().withWorker([agent], async () => {
    const run = await env().client.start('accounts', 'look up the account', { scenario: 'failing-lookup', correlationId: uniqueId('fail-sealed') });
    const result = await run.result();
    expect(eventsOf(result.trace, 'tool_error')[0]?.error.message).toContain(`no account ${MARKER}`);

    const plain = new Client({ connection: await Connection.connect({ address: env().server.address }), namespace: env().server.namespace });
    try {
      const history = await plain.workflow.getHandle(run.workflowId).fetchHistory();
      const failed = (history.events ?? []).find((e) => e.activityTaskFailedEventAttributes);
      expect(failed?.activityTaskFailedEventAttributes?.failure?.message).toBe('Encoded failure');
      const stored = historyText(history);
      expect(stored).not.toContain(MARKER);
      expect(stored).toContain('binary/encrypted');
    } finally {
      await plain.connection.close();
    }
  });
});

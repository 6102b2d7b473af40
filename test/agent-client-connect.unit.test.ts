/**
 * `AgentClient.connect` reaches Temporal through the configuration's TLS and credentials, fails in one line saying
 * why, and takes a `Client` or `Connection` the application already has (its connection and, for a Client, its
 * namespace), while keeping its own data converter.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { AgentClient } from '../client/agent-client';
import { configFromEnv } from '../common/config';
import { LocalBlobStore } from '../stores/local-store';
import { GRPC, startFakeTemporal } from './helpers/fake-temporal';

const KEY = `made-up-${randomBytes(6).toString('hex')}`;
const config = configFromEnv({ DURABLE_AGENT_PAYLOAD_KEY: randomBytes(32).toString('base64') });
let store: LocalBlobStore;

beforeAll(async () => {
  store = await LocalBlobStore.open(mkdtempSync(join(tmpdir(), 'durable-agent-client-')));
});

describe("an application's own connection", () => {
  // Lazy and never used: AgentClient.connect must not open another, nor call this one.
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  afterAll(() => connection.close());

  test("a Client: its connection and its namespace, our data converter (the application's codec is not ours)", async () => {
    const app = new Client({ connection, namespace: 'app-ns' });
    const agents = await AgentClient.connect({}, { client: app, config, store });
    expect(agents.client.connection).toBe(connection);
    expect(agents.client.options.namespace).toBe('app-ns');
    expect(agents.settings.namespace).toBe('app-ns');
    expect(agents.hasPayloadKey).toBe(true);
    expect(app.options.loadedDataConverter.payloadCodecs).toHaveLength(0);
  });

  test('a Client with a namespace override: the override', async () => {
    const agents = await AgentClient.connect({ namespace: 'agents' }, { client: new Client({ connection, namespace: 'app-ns' }), config, store });
    expect(agents.client.options.namespace).toBe('agents');
  });

  test("a Connection: it, with the configuration's namespace", async () => {
    const agents = await AgentClient.connect({}, { connection, config: configFromEnv({ TEMPORAL_NAMESPACE: 'from-config' }), store });
    expect(agents.client.connection).toBe(connection);
    expect(agents.client.options.namespace).toBe('from-config');
  });
});

test("connecting sends the configuration's API key and, refused, says so in one line without it", async () => {
  const server = await startFakeTemporal({ answer: (h) => (h.authorization === `Bearer ${KEY}` ? undefined : { code: GRPC.UNAUTHENTICATED, message: 'Request unauthorized.' }) });
  try {
    const right = await AgentClient.connect({}, { config: configFromEnv({ TEMPORAL_ADDRESS: server.address, TEMPORAL_API_KEY: KEY, TEMPORAL_TLS: 'false' }), store });
    await right.client.connection.close();
    expect(server.authorizations).toContain(`Bearer ${KEY}`);

    const wrong = configFromEnv({ TEMPORAL_ADDRESS: server.address, TEMPORAL_API_KEY: `${KEY}-old`, TEMPORAL_TLS: 'false' });
    const err = (await AgentClient.connect({}, { config: wrong, store }).catch((e: unknown) => e)) as Error & { kind?: string };
    expect(err.name).toBe('TemporalConnectionError');
    expect(err.kind).toBe('unauthenticated');
    expect(err.message).toMatch(new RegExp(`^Temporal at ${server.address} refused the credentials \\(UNAUTHENTICATED: Request unauthorized\\.\\)`));
    expect(err.message).not.toContain(KEY);
  } finally {
    await server.close();
  }
});

test("close() closes what connect opened (its store, its connection), never what the application passed in", async () => {
  const closed: string[] = [];
  const spied = (name: string, s: LocalBlobStore): LocalBlobStore =>
    Object.assign(Object.create(s) as LocalBlobStore, { close: async () => void closed.push(name) });
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  try {
    const theirs = await AgentClient.connect({}, { connection, config, store: spied('passed store', store) });
    await theirs.close();
    expect(closed).toEqual([]);

    const server = await startFakeTemporal({ answer: () => undefined });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'durable-agent-client-owned-'));
      const ours = await AgentClient.connect({}, { config: configFromEnv({ TEMPORAL_ADDRESS: server.address, DURABLE_AGENT_STORE: `local:${dir}` }) });
      const opened = ours.client.connection;
      await ours.close();
      // A closed connection refuses further calls.
      await expect(opened.workflowService.getSystemInfo({})).rejects.toThrow();
    } finally {
      await server.close();
    }
  } finally {
    await connection.close();
  }
});

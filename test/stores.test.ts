/**
 * The storage layer (stores/): one suite run against every blob store available here — the local directory always,
 * PostgreSQL through a throwaway cluster (a missing PostgreSQL fails the file, naming what is missing). Each store: the blob contract, the conversation chain,
 * and Temporal External Storage end to end on a real dev server (the 300 KB value leaves history, and with the
 * encryption codec the stored blobs are ciphertext).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import type { ConversationRef } from '../common/conversation';
import type { ChatMessage } from '../common/model';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../data-converter/encryption-codec';
import { blobKey, type BlobStore } from '../stores/blob-store';
import { openBlobStore, storeConfigFromEnv } from '../stores/config';
import { appendMessages, canonicalJson, ConversationCache, loadConversation } from '../stores/conversation-chain';
import { LocalBlobStore } from '../stores/local-store';
import { postgresUnavailableReason, startPostgres, type DevPostgres } from '../stores/postgres-dev';
import { PostgresBlobStore } from '../stores/postgres-store';
import {
  BLOB_DRIVER_NAME,
  BlobStorageDriver,
  DEFAULT_OFFLOAD_BYTES,
  externalStorage,
} from '../stores/temporal-storage-driver';
import type { EchoActivities } from './fixtures/stores-workflow';
import { historyText } from './helpers/history-text';
import { startTestServer, type TestServer } from './helpers/local-server';
import { uniqueId } from './helpers/runs';
import { quietRuntime } from './helpers/test-env';
import { quietLogger } from './helpers/quiet-logger';

jest.setTimeout(120_000);
quietRuntime();

const PG_UNAVAILABLE = postgresUnavailableReason();

/** A store under test: `open` gives a new client of the same backing store (a second worker, another machine). */
interface StoreCase {
  name: 'local' | 'postgres';
  open(): Promise<BlobStore>;
}

let postgres: DevPostgres | undefined;
const localDir = mkdtempSync(join(tmpdir(), 'durable-agent-blobs-'));
const STORE_CASES: StoreCase[] = [{ name: 'local', open: () => LocalBlobStore.open(localDir) }];
if (!PG_UNAVAILABLE) {
  STORE_CASES.push({
    name: 'postgres',
    open: () => {
      if (!postgres) throw new Error('PostgreSQL did not start (see beforeAll)');
      return PostgresBlobStore.open({ connectionString: postgres.url });
    },
  });
}

// One dev server and one workflow bundle for the file; PostgreSQL too when the suite runs against it.
let server: TestServer;
let workflowCode: string;
beforeAll(async () => {
  const [started, bundle, pg] = await Promise.all([
    startTestServer(),
    bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/stores-workflow'), logger: quietLogger }),
    PG_UNAVAILABLE ? undefined : startPostgres(),
  ]);
  server = started;
  workflowCode = bundle.code;
  postgres = pg;
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await postgres?.stop();
  rmSync(localDir, { recursive: true, force: true });
});

if (PG_UNAVAILABLE) {
  // Not a skip: a store suite that silently did not run would read as a pass. `.ci/run` installs PostgreSQL.
  test('PostgreSQL is installed, so the store suite runs against it', () => {
    throw new Error(`the PostgreSQL store cannot be tested: ${PG_UNAVAILABLE} (apt-get install postgresql)`);
  });
}

describe.each(STORE_CASES)('$name store', (storeCase) => {
  let store: BlobStore;
  beforeAll(async () => {
    store = await storeCase.open();
  });
  afterAll(async () => store?.close());

  describe('blobs', () => {
    test('put returns the sha256 of the bytes; get returns them', async () => {
      const data = randomBytes(1000);
      const key = await store.put(data);
      expect(key).toBe(blobKey(data));
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(Buffer.from(await store.get(key)).equals(data)).toBe(true);
      expect(store.kind).toBe(storeCase.name);
    });

    test('putting the same bytes again is a no-op that returns the same key', async () => {
      const data = randomBytes(200);
      const first = await store.put(data);
      const again = await store.put(Uint8Array.from(data));
      expect(again).toBe(first);
      expect(Buffer.from(await store.get(first)).equals(data)).toBe(true);
      expect(await store.put(new Uint8Array(0))).toBe(blobKey(new Uint8Array(0)));
      expect((await store.get(blobKey(new Uint8Array(0)))).byteLength).toBe(0);
    });

    test('concurrent puts of the same blob from several clients all succeed and leave one blob', async () => {
      const clients = await Promise.all([1, 2, 3, 4].map(() => storeCase.open()));
      try {
        const data = randomBytes(1024 * 1024);
        const keys = await Promise.all(clients.flatMap((c) => [1, 2, 3, 4, 5].map(() => c.put(data))));
        expect(new Set(keys)).toEqual(new Set([blobKey(data)]));
        for (const c of clients) expect(Buffer.from(await c.get(blobKey(data))).equals(data)).toBe(true);
        expect(await storedCopies(storeCase.name, blobKey(data))).toBe(1);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    });

    test('get of a missing key throws BlobNotFoundError naming the key and the store', async () => {
      const key = blobKey(randomBytes(16));
      const error = await store.get(key).catch((e: Error) => e);
      expect(error).toMatchObject({ name: 'BlobNotFoundError', key });
      expect((error as Error).message).toContain(key);
      expect((error as Error).message).toContain(store.description);
    });

    test.each([
      ['a path', '../../../../etc/passwd'],
      ['a path of hex length', `../${'a'.repeat(61)}`],
      ['uppercase hex', 'A'.repeat(64)],
      ['63 hex characters', 'a'.repeat(63)],
      ['65 hex characters', 'a'.repeat(65)],
      ['empty', ''],
    ])('a bad key (%s) is rejected before it reaches the store', async (_what, key) => {
      await expect(store.get(key)).rejects.toMatchObject({ name: 'InvalidBlobKeyError' });
    });

    test('a 5 MB blob round-trips', async () => {
      const data = randomBytes(5 * 1024 * 1024);
      const key = await store.put(data);
      expect(Buffer.from(await store.get(key)).equals(data)).toBe(true);
      expect(await store.put(data)).toBe(key);
    });

    test('the description never shows a password', () => {
      expect(store.description).not.toMatch(/:[^:@/]+@/);
    });
  });

  describe('conversation chain', () => {
    const user = (text: string): ChatMessage => ({ role: 'user', content: text });
    const assistant = (text: string): ChatMessage => ({ role: 'assistant', content: [{ type: 'text', text }] });

    test('append and load: the messages come back in order', async () => {
      const tag = uniqueId('chain');
      let ref = await appendMessages(store, null, [user(`${tag} hello`)]);
      ref = await appendMessages(store, ref, [assistant('hi'), user('refund order 1001')]);
      ref = await appendMessages(store, ref, [assistant('done')]);
      expect(ref.messages).toBe(4);
      const expected = [user(`${tag} hello`), assistant('hi'), user('refund order 1001'), assistant('done')];
      expect(await loadConversation(store, ref, { cache: new ConversationCache() })).toEqual(expected);
      expect(await loadConversation(store, ref)).toEqual(expected);
      // A ref is plain JSON: it survives a trip through a payload.
      expect(await loadConversation(store, JSON.parse(JSON.stringify(ref)) as ConversationRef, { cache: new ConversationCache() })).toEqual(expected);
    });

    test('the same previous head and messages give the same head, whatever the key order or the cache', async () => {
      const tag = uniqueId('same');
      const a = await appendMessages(store, null, [user(tag)], { cache: new ConversationCache() });
      const b = await appendMessages(store, null, [{ content: tag, role: 'user' } as ChatMessage], { cache: new ConversationCache() });
      expect(b).toEqual(a);
      const next = [assistant('x'), user('y')];
      const a2 = await appendMessages(store, a, next, { cache: new ConversationCache() });
      const b2 = await appendMessages(store, b, structuredClone(next));
      expect(b2).toEqual(a2);
      expect(await appendMessages(store, a2, [])).toBe(a2);
      expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 2 }] })).toBe('{"a":[{"c":2}],"b":1}');
    });

    test('a 1,000-segment chain loads whole; after an append, a cached load reads only the new segment', async () => {
      const counting = countingStore(store);
      const tag = uniqueId('long');
      const writer = new ConversationCache();
      let ref: ConversationRef | null = null;
      for (let i = 0; i < 1000; i++) ref = await appendMessages(counting, ref, [user(`${tag} step ${i}`)], { cache: writer });
      const head = ref as ConversationRef;
      expect(head.messages).toBe(1000);

      // A worker that has seen nothing reads every segment once.
      const reader = new ConversationCache();
      counting.gets = 0;
      const cold = await loadConversation(counting, head, { cache: reader });
      expect(counting.gets).toBe(1000);
      expect(cold).toHaveLength(1000);
      expect(cold[0]).toEqual(user(`${tag} step 0`));
      expect(cold[999]).toEqual(user(`${tag} step 999`));

      // Another worker appends; this one, holding the previous head in its cache, reads only the new segment.
      const next = await appendMessages(counting, head, [assistant('step 1000')], { cache: new ConversationCache() });
      counting.gets = 0;
      const warm = await loadConversation(counting, next, { cache: reader });
      expect(counting.gets).toBe(1);
      expect(warm).toHaveLength(1001);
      expect(warm[1000]).toEqual(assistant('step 1000'));

      // The worker that appended loads its own head without reading the store at all.
      const own = await appendMessages(counting, next, [user('step 1001')], { cache: reader });
      counting.gets = 0;
      expect(await loadConversation(counting, own, { cache: reader })).toHaveLength(1002);
      expect(counting.gets).toBe(0);
    });

    test('loaded messages are frozen (shared with the cache); the array is the caller’s', async () => {
      const ref = await appendMessages(store, null, [user(uniqueId('frozen'))]);
      const messages = await loadConversation(store, ref);
      expect(() => {
        (messages[0] as { content: string }).content = 'changed';
      }).toThrow(TypeError);
      messages.push(user('mine'));
      expect(await loadConversation(store, ref)).toHaveLength(1);
    });

    test('a reference whose count disagrees with the chain is refused', async () => {
      const ref = await appendMessages(store, null, [user(uniqueId('count'))]);
      await expect(loadConversation(store, { ...ref, messages: 2 }, { cache: new ConversationCache() })).rejects.toMatchObject({
        name: 'ConversationChainError',
      });
      await expect(loadConversation(store, { head: '../x', messages: 1 })).rejects.toMatchObject({ name: 'ConversationChainError' });
    });
  });

  describe('Temporal External Storage', () => {
    async function runEcho(converter: DataConverter, text: string): Promise<{ result: string; workflowId: string }> {
      // A task queue per run: a worker left behind by a failed test cannot take another test's tasks.
      const taskQueue = uniqueId(`stores-${storeCase.name}`);
      const client = new Client({ connection: server.env.connection, namespace: server.namespace, dataConverter: converter });
      const activities: EchoActivities = { echo: async (t) => t };
      const worker = await Worker.create({
        connection: server.env.nativeConnection,
        namespace: server.namespace,
        taskQueue,
        workflowBundle: { code: workflowCode },
        activities,
        dataConverter: converter,
      });
      const workflowId = uniqueId(`echo-${storeCase.name}`);
      // A workflow task that fails (a blob that cannot be read) is retried forever: bound the wait, so the test fails
      // and runUntil shuts the worker down.
      const result = await worker.runUntil(
        withTimeout(60_000, client.workflow.execute<(t: string) => Promise<string>>('echoWorkflow', { args: [text], taskQueue, workflowId })),
      );
      return { result, workflowId };
    }

    /** The history as the server stores it: read with a client that has neither codec nor External Storage. */
    async function storedHistory(workflowId: string): Promise<temporal.api.history.v1.IHistory> {
      const plain = new Client({ connection: server.env.connection, namespace: server.namespace });
      return plain.workflow.getHandle(workflowId).fetchHistory();
    }

    test('a 300 KB value passes through a workflow and an activity; history holds only small references', async () => {
      const recording = countingStore(store);
      const converter: DataConverter = { externalStorage: externalStorage(recording, { thresholdBytes: DEFAULT_OFFLOAD_BYTES }) };
      const big = randomBytes(150_000).toString('hex');
      const { result, workflowId } = await runEcho(converter, big);
      expect(result).toBe(big);

      const history = await storedHistory(workflowId);
      const text = historyText(history);
      const historyBytes = temporal.api.history.v1.History.encode(history).finish().byteLength;
      expect(text).not.toContain(big.slice(100_000, 100_064));
      expect(historyBytes).toBeLessThan(16 * 1024);
      expect(text).toContain('temporal.api.sdk.v1.ExternalStorageReference');
      expect(text).toContain(BLOB_DRIVER_NAME);
      // Workflow input, activity input, activity result, workflow result: four offloads of one identical payload,
      // which content addressing stores once.
      expect(recording.puts).toBe(4);
      expect(recording.putKeys.size).toBe(1);
      const [key] = [...recording.putKeys];
      expect(text).toContain(key);
      const stored = temporal.api.common.v1.Payload.decode(await store.get(key as string));
      expect(Buffer.from(stored.data).toString('utf8')).toBe(JSON.stringify(big));

      // Replaying the history reads the references back through the driver.
      await Worker.runReplayHistory({ workflowBundle: { code: workflowCode }, dataConverter: converter, replayName: workflowId }, history);
    });

    test('a value under the threshold stays inline', async () => {
      const recording = countingStore(store);
      const small = `small-${randomBytes(8).toString('hex')}`;
      const { result, workflowId } = await runEcho({ externalStorage: externalStorage(recording, { thresholdBytes: DEFAULT_OFFLOAD_BYTES }) }, small);
      expect(result).toBe(small);
      expect(recording.puts).toBe(0);
      expect(historyText(await storedHistory(workflowId))).toContain(small);
    });

    test('with the encryption codec, the stored blobs are ciphertext and the keyed client reads the value', async () => {
      const codecs: PayloadCodec[] = [new EncryptionCodec({ currentKeyId: 'k1', keys: { k1: randomBytes(32) } })];
      const recording = countingStore(store);
      const converter: DataConverter = { payloadCodecs: codecs, externalStorage: externalStorage(recording) };
      const marker = `PLAINTEXT-MARKER-${randomBytes(4).toString('hex')}`;
      const big = `${marker}:${randomBytes(150_000).toString('hex')}`;
      const { result, workflowId } = await runEcho(converter, big);
      expect(result).toBe(big);

      // Encryption runs before External Storage: four offloads, each a different ciphertext (random IV).
      expect(recording.puts).toBe(4);
      expect(recording.putKeys.size).toBe(4);
      for (const key of recording.putKeys) {
        const blob = Buffer.from(await store.get(key));
        expect(blob.includes(marker)).toBe(false);
        expect(blob.includes(big.slice(100_000, 100_032))).toBe(false);
        const payload = temporal.api.common.v1.Payload.decode(blob);
        expect(Buffer.from(payload.metadata.encoding as Uint8Array).toString()).toBe(ENCRYPTED_ENCODING);
      }
      const text = historyText(await storedHistory(workflowId));
      expect(text).not.toContain(marker);
      expect(text).toContain(BLOB_DRIVER_NAME);
    });

    test('the driver stores the whole payload, metadata included, and reads it back', async () => {
      const driver = new BlobStorageDriver(store);
      const payload = { metadata: { encoding: Buffer.from('binary/plain'), custom: Buffer.from('x') }, data: randomBytes(100) };
      const [claim] = await driver.store({}, [payload]);
      expect(claim?.claimData).toEqual({ key: blobKey(temporal.api.common.v1.Payload.encode(payload).finish()), size: expect.any(String) });
      const [back] = await driver.retrieve({}, [claim!]);
      expect(Buffer.from(back!.data!).equals(payload.data)).toBe(true);
      expect(Buffer.from(back!.metadata!.custom!).toString()).toBe('x');
    });
  });
});

describe('configuration', () => {
  // Without PostgreSQL the file already fails (above); this one needs a server to run against.
  (PG_UNAVAILABLE ? () => undefined : test)('several workers opening a new PostgreSQL database at once all get the table', async () => {
    const admin = new PgClient({ connectionString: postgres?.url });
    await admin.connect();
    const database = `race_${Date.now()}`;
    try {
      await admin.query(`create database ${database}`);
      const url = (postgres as DevPostgres).url.replace(/\/postgres$/, `/${database}`);
      const stores = await Promise.all(Array.from({ length: 6 }, () => openBlobStore(storeConfigFromEnv({ DURABLE_AGENT_STORE: url }))));
      const data = randomBytes(64);
      expect(new Set(await Promise.all(stores.map((s) => s.put(data))))).toEqual(new Set([blobKey(data)]));
      expect(stores.every((s) => s.kind === 'postgres')).toBe(true);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await admin.query(`drop database if exists ${database}`).catch(() => undefined);
      await admin.end();
    }
  });
});

function withTimeout<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no result after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A store wrapper that counts calls and remembers the keys it wrote. */
function countingStore(inner: BlobStore): BlobStore & { gets: number; puts: number; putKeys: Set<string> } {
  const counting = {
    kind: inner.kind,
    description: inner.description,
    gets: 0,
    puts: 0,
    putKeys: new Set<string>(),
    async put(data: Uint8Array) {
      counting.puts++;
      const key = await inner.put(data);
      counting.putKeys.add(key);
      return key;
    },
    async get(key: string) {
      counting.gets++;
      return inner.get(key);
    },
    close: () => inner.close(),
  };
  return counting;
}

/** How many copies of a blob the backing store holds (and, for the directory, that no temporary file is left). */
async function storedCopies(kind: StoreCase['name'], key: string): Promise<number> {
  if (kind === 'local') {
    const dir = join(localDir, key.slice(0, 2), key.slice(2, 4));
    const names = readdirSync(dir).filter((n) => n.includes(key));
    return names.length;
  }
  const client = new PgClient({ connectionString: postgres?.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from durable_agent_blobs where key = $1', [key]);
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

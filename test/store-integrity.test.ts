/**
 * Blob integrity against every store kind here (the local directory; PostgreSQL through a throwaway cluster when it
 * is installed; the encrypting wrapper over the local store): a blob altered without a size change is reported on
 * read and repaired by a put of the right bytes, and the model step reports a corrupt conversation segment as a
 * non-retryable `StoreCorrupt` failure naming the key, never the content.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { ApplicationFailure } from '@temporalio/common';
import { prepareConversation } from '../activities/conversation-io';
import { STORE_CORRUPT } from '../common/failures';
import type { ModelCallInput } from '../common/model';
import type { BlobStore } from '../stores/blob-store';
import { appendMessages, ConversationCache } from '../stores/conversation-chain';
import { EncryptedBlobStore } from '../stores/encrypted-store';
import { LocalBlobStore } from '../stores/local-store';
import { postgresUnavailableReason, startPostgres, type DevPostgres } from '../stores/postgres-dev';
import { BLOBS_TABLE, PostgresBlobStore } from '../stores/postgres-store';

jest.setTimeout(120_000);

const PG_UNAVAILABLE = postgresUnavailableReason();
let postgres: DevPostgres | undefined;
const localDir = mkdtempSync(join(tmpdir(), 'durable-agent-integrity-'));

/** A store kind under test, and how to alter a stored blob in place, keeping its size. */
interface IntegrityCase {
  name: string;
  open(): Promise<BlobStore>;
  /** Flips one byte of the blob stored under `storeKey` (the key in the store the case wraps). */
  corrupt(storeKey: string): Promise<void>;
}

function flipLocal(store: LocalBlobStore, key: string): void {
  const file = store.pathOf(key);
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
  writeFileSync(file, bytes);
}

const local = (): Promise<LocalBlobStore> => LocalBlobStore.open(localDir);
const CASES: IntegrityCase[] = [
  { name: 'local', open: local, corrupt: async (key) => flipLocal(await local(), key) },
  {
    name: 'encrypted over local',
    open: async () => new EncryptedBlobStore(await local(), { currentKeyId: 'k1', keys: { k1: new Uint8Array(32).fill(7) } }),
    corrupt: async (key) => flipLocal(await local(), key),
  },
];
if (!PG_UNAVAILABLE) {
  CASES.push({
    name: 'postgres',
    open: () => PostgresBlobStore.open({ connectionString: (postgres as DevPostgres).url }),
    corrupt: async (key) => {
      const client = new PgClient({ connectionString: (postgres as DevPostgres).url });
      await client.connect();
      try {
        // Same length, one byte changed: the size column still matches.
        const changed = await client.query(
          `update ${BLOBS_TABLE} set data = set_byte(data, length(data) / 2, (get_byte(data, length(data) / 2) + 1) % 256) where key = $1`,
          [key],
        );
        expect(changed.rowCount).toBe(1);
      } finally {
        await client.end();
      }
    },
  });
}

beforeAll(async () => {
  if (!PG_UNAVAILABLE) postgres = await startPostgres();
}, 180_000);
afterAll(async () => {
  await postgres?.stop();
  rmSync(localDir, { recursive: true, force: true });
});

test('PostgreSQL is here, so the suite covers it', () => {
  // Not a skip: a machine without PostgreSQL says why (the local and encrypted cases still run).
  expect(PG_UNAVAILABLE ?? 'available').toBe('available');
});

describe.each(CASES)('$name store', (c) => {
  let store: BlobStore;
  beforeAll(async () => {
    store = await c.open();
  });
  afterAll(async () => store?.close());

  test.each([
    ['a small blob', 200],
    ['a large blob (checked before it is sent)', 100 * 1024],
  ])('%s altered without a size change: get reports it, a put of the right bytes repairs it', async (_what, size) => {
    const data = randomBytes(size);
    const key = await store.put(data);
    // The key names the bytes the backing store holds (the ciphertext, for the encrypting wrapper).
    await c.corrupt(key);
    await expect(store.get(key)).rejects.toMatchObject({ name: 'BlobCorruptError', key });
    // A retry of whatever wrote it puts the same bytes again: that is the repair.
    expect(await store.put(data)).toBe(key);
    expect(Buffer.from(await store.get(key)).equals(data)).toBe(true);
  });

  test('a corrupt conversation segment fails the model step as StoreCorrupt, naming the key, not the content', async () => {
    const secret = `segment content ${randomBytes(6).toString('hex')}`;
    // Appended with a private cache: the model step's own (default) cache has not seen it, so it reads the store.
    const ref = await appendMessages(store, null, [{ role: 'user', content: secret }], { cache: new ConversationCache() });
    const input: ModelCallInput = { agent: 'tester', conversation: ref, append: [], correlationId: 'c', workflowId: 'w', step: 2 };
    expect((await prepareConversation(store, input)).request).toHaveLength(1);

    const ref2 = await appendMessages(store, ref, [{ role: 'user', content: `${secret} again` }], { cache: new ConversationCache() });
    await c.corrupt(ref2.head);
    const failure = await prepareConversation(store, { ...input, conversation: ref2 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: STORE_CORRUPT, nonRetryable: true });
    expect(STORE_CORRUPT).toBe('StoreCorrupt');
    const message = (failure as ApplicationFailure).message;
    expect(message).toContain(ref2.head);
    expect(message).not.toContain(secret);
  });
});

/**
 * Blobs private at rest: with a payload key configured, what the activities write to the store themselves (the
 * conversation segments, large tool outputs) is encrypted too, and content addressing still works.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOffloaded, offloadIfLarge } from '../activities/conversation-io';
import { isOffloaded } from '../common/conversation';
import { appendMessages, ConversationCache, loadConversation } from '../stores/conversation-chain';
import { EncryptedBlobStore, withPayloadEncryption } from '../stores/encrypted-store';
import { LocalBlobStore } from '../stores/local-store';

const MARKER = 'SECRET-MARKER-4711';
const key = () => randomBytes(32);

/** Every file under a directory, concatenated: what someone reading the store's disk would see. */
function onDisk(dir: string): string {
  const out: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(readFileSync(path));
    }
  };
  walk(dir);
  return Buffer.concat(out).toString('latin1');
}

async function localStore() {
  const dir = mkdtempSync(join(tmpdir(), 'durable-agent-enc-store-'));
  return { dir, store: await LocalBlobStore.open(dir) };
}

test('conversation segments and offloaded tool outputs are ciphertext on disk, and read back whole', async () => {
  const { dir, store: plain } = await localStore();
  const store = new EncryptedBlobStore(plain, { currentKeyId: 'k1', keys: { k1: key() } });
  const ref = await appendMessages(store, null, [{ role: 'user', content: `Refund the customer ${MARKER}` }], { cache: new ConversationCache() });
  const output = await offloadIfLarge(store, { report: `${MARKER} `.repeat(2_000) }, 1_024);
  expect(isOffloaded(output)).toBe(true);

  expect(onDisk(dir)).not.toContain(MARKER);
  expect(JSON.stringify(await loadConversation(store, ref, { cache: new ConversationCache() }))).toContain(MARKER);
  if (isOffloaded(output)) expect(JSON.stringify(await loadOffloaded(store, output))).toContain(MARKER);
});

test('the same content gives the same key (a retried step gets the same head); other content another', async () => {
  const { store: plain } = await localStore();
  const store = new EncryptedBlobStore(plain, { currentKeyId: 'k1', keys: { k1: key() } });
  const a = await store.put(Buffer.from('same bytes'));
  expect(await store.put(Buffer.from('same bytes'))).toBe(a);
  expect(await store.put(Buffer.from('other bytes'))).not.toBe(a);
});

test('keys rotate: blobs written under an old key stay readable with it configured, and fail clearly without it', async () => {
  const { store: plain } = await localStore();
  const old = key();
  const before = await new EncryptedBlobStore(plain, { currentKeyId: 'k1', keys: { k1: old } }).put(Buffer.from(MARKER));
  const rotated = new EncryptedBlobStore(plain, { currentKeyId: 'k2', keys: { k2: key(), k1: old } });
  expect(Buffer.from(await rotated.get(before)).toString()).toBe(MARKER);
  const forgot = new EncryptedBlobStore(plain, { currentKeyId: 'k2', keys: { k2: key() } });
  await expect(forgot.get(before)).rejects.toThrow(/encrypted with key "k1", which is not configured/);
  // A blob written before any key was set is read as it is.
  const unencrypted = await plain.put(Buffer.from('plain'));
  expect(Buffer.from(await rotated.get(unencrypted)).toString()).toBe('plain');
});

test('workers and clients encrypt the store exactly when a payload key is configured', async () => {
  const { store } = await localStore();
  expect(withPayloadEncryption(store, {})).toBe(store);
  const encrypted = withPayloadEncryption(store, { DURABLE_AGENT_PAYLOAD_KEY: key().toString('base64') });
  expect(encrypted).toBeInstanceOf(EncryptedBlobStore);
  expect(encrypted.description).toMatch(/encrypted, key k1/);
});

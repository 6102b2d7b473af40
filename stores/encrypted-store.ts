/**
 * Blobs private at rest: what our activities write to the store themselves (conversation segments, large tool
 * outputs) never passes through Temporal's payload codec, so with a payload key configured the store encrypts it
 * too, with the same keys (DURABLE_AGENT_PAYLOAD_KEY, its id, and old keys for reading).
 *
 * AES-256-GCM with a synthetic IV: the IV is an HMAC of the plaintext, so the same content always gives the same
 * ciphertext, hence the same key in the store. Content addressing keeps working (a retried step stores the same
 * segment and gets the same head; equal blobs are stored once); the only thing an observer of the store learns is
 * which blobs are equal, never their content.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import type { CodecKeys } from '../data-converter/encryption-codec';
import { codecKeysFromEnv } from '../data-converter/keys-from-env';
import type { BlobStore } from './blob-store';

/** Marks an encrypted blob: `DAB1`, key id length, key id, IV (12), tag (16), ciphertext. */
const MAGIC = Buffer.from('DAB1');

export class BlobDecryptionError extends Error {
  override name = 'BlobDecryptionError';
}

export class EncryptedBlobStore implements BlobStore {
  readonly kind: BlobStore['kind'];
  readonly description: string;

  constructor(
    private readonly inner: BlobStore,
    private readonly keys: CodecKeys,
  ) {
    this.kind = inner.kind;
    this.description = `${inner.description} (encrypted, key ${keys.currentKeyId})`;
  }

  put(data: Uint8Array): Promise<string> {
    const id = this.keys.currentKeyId;
    const key = this.keys.keys[id] as Uint8Array;
    const iv = createHmac('sha256', ivKey(key)).update(data).digest().subarray(0, 12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(data), cipher.final()]);
    const idBytes = Buffer.from(id, 'utf8');
    return this.inner.put(Buffer.concat([MAGIC, Buffer.from([idBytes.length]), idBytes, iv, cipher.getAuthTag(), body]));
  }

  async get(storeKey: string): Promise<Uint8Array> {
    const blob = Buffer.from(await this.inner.get(storeKey));
    // Written before a key was configured: read as it is.
    if (!blob.subarray(0, 4).equals(MAGIC)) return blob;
    const idLength = blob[4] ?? 0;
    const id = blob.subarray(5, 5 + idLength).toString('utf8');
    const key = this.keys.keys[id];
    if (!key) throw new BlobDecryptionError(`blob ${storeKey} is encrypted with key "${id}", which is not configured (DURABLE_AGENT_PAYLOAD_OLD_KEYS)`);
    const at = 5 + idLength;
    const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(at, at + 12));
    decipher.setAuthTag(blob.subarray(at + 12, at + 28));
    try {
      return Buffer.concat([decipher.update(blob.subarray(at + 28)), decipher.final()]);
    } catch {
      throw new BlobDecryptionError(`blob ${storeKey} failed authentication with key "${id}"`);
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The IV key is derived from the encryption key, so the two are never the same bytes. */
function ivKey(key: Uint8Array): Buffer {
  return createHash('sha256').update('durable-agent blob iv').update(key).digest();
}

/** The store as workers and clients use it: encrypted when a payload key is configured, as it is otherwise. */
export function withPayloadEncryption(store: BlobStore, env: NodeJS.ProcessEnv = process.env): BlobStore {
  const keys = codecKeysFromEnv(env);
  return keys ? new EncryptedBlobStore(store, keys) : store;
}

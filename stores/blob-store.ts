/**
 * The storage layer's one contract: an immutable, content-addressed blob store. Offloaded Temporal payloads
 * (`temporal-storage-driver.ts`) and conversation segments (`conversation-chain.ts`) are both blobs in it.
 *
 * Content addressing makes everything above it simple: a key names exactly one byte string forever, so a put that
 * is retried (a retried activity, two workers racing on the same step) writes the same bytes under the same key
 * and changes nothing; nothing is ever overwritten with different content; a reader can check what it got.
 */
import { clip } from '../common/text';
import { createHash } from 'node:crypto';

/**
 * A content-addressed blob store.
 *
 * @example
 * const key = await store.put(new TextEncoder().encode('hello'));
 * const bytes = await store.get(key); // the same bytes; key === blobKey(bytes)
 */
export interface BlobStore {
  readonly kind: 'local' | 'postgres';
  /** Where the blobs are, for logs and errors; never holds a password. */
  readonly description: string;
  /** Stores `data` and returns its key, the sha256 hex of the bytes. Idempotent: the same bytes twice is a no-op. */
  put(data: Uint8Array): Promise<string>;
  /** The bytes stored under `key`. Throws `BlobNotFoundError` if there are none, `InvalidBlobKeyError` for a bad key. */
  get(key: string): Promise<Uint8Array>;
  /** Releases connections or handles; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** A key is the lowercase sha256 hex of the blob: 64 characters of [0-9a-f], so it can never be a path. */
export const BLOB_KEY_PATTERN = /^[0-9a-f]{64}$/;

/** The key `data` is stored under. */
export function blobKey(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Throws `InvalidBlobKeyError` unless `key` is 64 lowercase hex characters. */
export function assertBlobKey(key: unknown, store: string): asserts key is string {
  if (typeof key !== 'string' || !BLOB_KEY_PATTERN.test(key)) throw new InvalidBlobKeyError(key, store);
}

/** No blob under this key in this store. Not retryable by itself: the bytes are gone or were never written here. */
export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(
    readonly key: string,
    readonly store: string,
  ) {
    super(`blob ${key} not found in ${store}`);
  }
}

/** A key that is not a sha256 hex string (it would otherwise reach a file path or a query). */
export class InvalidBlobKeyError extends Error {
  override readonly name = 'InvalidBlobKeyError';
  constructor(
    readonly key: unknown,
    readonly store: string,
  ) {
    super(`invalid blob key ${describeBadKey(key)} for ${store}: expected 64 lowercase hex characters (a sha256)`);
  }
}

/** The bytes under a key do not hash to it: a torn write (see local-store.ts) or tampering. */
export class BlobCorruptError extends Error {
  override readonly name = 'BlobCorruptError';
  constructor(
    readonly key: string,
    readonly store: string,
    readonly actualKey: string,
  ) {
    super(`blob ${key} in ${store} is corrupt: its bytes hash to ${actualKey}`);
  }
}

/** Checks that `data` is what `key` names; returns `data`. */
export function verifyBlob(key: string, data: Uint8Array, store: string): Uint8Array {
  const actual = blobKey(data);
  if (actual !== key) throw new BlobCorruptError(key, store, actual);
  return data;
}

function describeBadKey(key: unknown): string {
  if (typeof key !== 'string') return `(${typeof key})`;
  return JSON.stringify(clip(key, 81, { flatten: false }));
}

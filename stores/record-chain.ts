/**
 * A run's record (trace events, ledger entries) as a content-addressed chain of segments, the way the conversation
 * is stored (stores/conversation-chain.ts): each execution of a run appends what it recorded, once, as one segment,
 * and carries the new head. A segment is the JSON of `{ v: 1, kind, prev, first, items }`; `first` is the index of
 * its first item in the whole record, so a reader can check every link and page from any index.
 *
 * The items keep their keys in the order they were recorded (not canonical JSON, as the conversation's segments
 * are): a ledger entry's arguments read back as the model or the person wrote them. The same head and the same
 * items (a retried archive step gets the same input) still give the same bytes and so the same key: it writes
 * nothing new.
 */
import type { RecordKind, RecordRef } from '../common/run-record';
import { BLOB_KEY_PATTERN, type BlobStore } from './blob-store';

export type { RecordRef } from '../common/run-record';

interface RecordSegment<T> {
  v: 1;
  kind: RecordKind;
  prev: string | null;
  first: number;
  items: T[];
}

/** A segment or reference that cannot be read as one (wrong kind or version, broken link, count mismatch). */
export class RecordChainError extends Error {
  override readonly name = 'RecordChainError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Appends `items` after `prev` (null: a new record) and returns the new head; no items return `prev` unchanged.
 *
 * @example
 * let trace = await appendRecords(store, 'trace', null, execution1Events);
 * trace = await appendRecords(store, 'trace', trace, execution2Events);
 */
export async function appendRecords<T>(store: BlobStore, kind: RecordKind, prev: RecordRef | null, items: readonly T[]): Promise<RecordRef | null> {
  if (prev) assertRecordRef(prev);
  if (items.length === 0) return prev;
  const segment: RecordSegment<T> = { v: 1, kind, prev: prev?.head ?? null, first: prev?.count ?? 0, items: [...items] };
  const head = await store.put(encoder.encode(JSON.stringify(segment)));
  return { head, count: (prev?.count ?? 0) + items.length };
}

/**
 * Items `from` (default 0) to the end of the record at `ref`, oldest first. Reads the segments from the head back
 * to the one holding `from`, checking that each link continues the one before it.
 *
 * @example
 * const events = await loadRecords<TraceEvent>(store, 'trace', result.record.trace, { from: 200 });
 */
export async function loadRecords<T>(store: BlobStore, kind: RecordKind, ref: RecordRef, range: { from?: number } = {}): Promise<T[]> {
  assertRecordRef(ref);
  const from = Math.max(0, range.from ?? 0);
  if (from >= ref.count) return [];
  const segments: RecordSegment<T>[] = [];
  let next: string | null = ref.head;
  let end = ref.count;
  while (next !== null && end > from) {
    const segment: RecordSegment<T> = parseSegment<T>(next, kind, await store.get(next));
    if (segment.first + segment.items.length !== end) {
      throw new RecordChainError(`${kind} segment ${next} ends at item ${segment.first + segment.items.length}, the record says ${end}`);
    }
    segments.push(segment);
    end = segment.first;
    next = segment.prev;
  }
  if (end > from) throw new RecordChainError(`${kind} record ${ref.head} ends before item ${end}: its first segment is missing`);
  const items: T[] = [];
  for (let i = segments.length - 1; i >= 0; i--) items.push(...(segments[i] as RecordSegment<T>).items);
  const oldest = segments[segments.length - 1] as RecordSegment<T>;
  return items.slice(from - oldest.first);
}

function assertRecordRef(ref: RecordRef): void {
  if (!ref || typeof ref.head !== 'string' || !BLOB_KEY_PATTERN.test(ref.head) || !Number.isSafeInteger(ref.count) || ref.count < 1) {
    throw new RecordChainError(`not a record reference: ${JSON.stringify(ref)}`);
  }
}

function parseSegment<T>(key: string, kind: RecordKind, bytes: Uint8Array): RecordSegment<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new RecordChainError(`blob ${key} is not a ${kind} segment (not JSON)`);
  }
  const s = parsed as Partial<RecordSegment<T>> | null;
  const prevOk = s?.prev === null || (typeof s?.prev === 'string' && BLOB_KEY_PATTERN.test(s.prev));
  if (!s || s.v !== 1 || s.kind !== kind || !Array.isArray(s.items) || s.items.length === 0 || !Number.isSafeInteger(s.first) || !prevOk) {
    throw new RecordChainError(`blob ${key} is not a version 1 ${kind} segment`);
  }
  if ((s.first === 0) !== (s.prev === null)) throw new RecordChainError(`${kind} segment ${key} starts at item ${s.first} with ${s.prev ? 'a' : 'no'} previous segment`);
  return s as RecordSegment<T>;
}

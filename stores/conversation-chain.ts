/**
 * A conversation as a content-addressed chain of segments, so a model step carries a reference whose size does not
 * depend on the length of the run, and each step stores only the messages it adds.
 *
 * A segment is the canonical JSON (keys sorted, no whitespace) of `{ v: 1, prev, messages }`, stored as a blob; its
 * key is the new head. The same previous head and the same messages always give the same bytes and so the same head:
 * a retried activity, or a replayed step, appends nothing new.
 */
import type { ConversationRef } from '../common/conversation';
import type { ChatMessage } from '../common/model';
import { BLOB_KEY_PATTERN, type BlobStore } from './blob-store';

export type { ConversationRef } from '../common/conversation';

/** One link of the chain, as stored. */
export interface ConversationSegment {
  v: 1;
  /** The previous head, or null for the first segment. */
  prev: string | null;
  messages: ChatMessage[];
}

/** A segment or reference that cannot be read as one (wrong version, broken link, count mismatch). */
export class ConversationChainError extends Error {
  override readonly name = 'ConversationChainError';
}

/** The default bound of the in-process cache: 64 MiB of serialized conversation. */
export const DEFAULT_CONVERSATION_CACHE_BYTES = 64 * 1024 * 1024;

interface CachedConversation {
  /** Deep-frozen: shared between entries and callers, so nobody may change them in place. */
  messages: readonly ChatMessage[];
  /** Serialized size of the whole conversation (the sum of its segments' bytes). */
  bytes: number;
}

/**
 * Whole conversations by head, least recently used first out, bounded by total serialized bytes. Entries share
 * message objects (an appended head reuses its parent's), so the heap used is usually well below the sum counted.
 *
 * @example
 * const cache = new ConversationCache({ maxBytes: 16 * 1024 * 1024 });
 * await loadConversation(store, ref, { cache });
 */
export class ConversationCache {
  readonly maxBytes: number;
  private readonly entries = new Map<string, CachedConversation>();
  private totalBytes = 0;

  constructor(options: { maxBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_CONVERSATION_CACHE_BYTES;
  }

  /** The cached conversation at `head`, marked most recently used. */
  get(head: string): CachedConversation | undefined {
    const entry = this.entries.get(head);
    if (entry) {
      this.entries.delete(head);
      this.entries.set(head, entry);
    }
    return entry;
  }

  set(head: string, entry: CachedConversation): void {
    this.delete(head);
    if (entry.bytes > this.maxBytes) return;
    this.entries.set(head, entry);
    this.totalBytes += entry.bytes;
    // Map iteration is insertion order, and get() re-inserts: the first key is the least recently used.
    for (const [oldest, old] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= old.bytes;
    }
  }

  delete(head: string): void {
    const entry = this.entries.get(head);
    if (!entry) return;
    this.entries.delete(head);
    this.totalBytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }
}

/** The process-wide cache `appendMessages` and `loadConversation` use unless given another. */
export const defaultConversationCache = new ConversationCache();

export interface ChainOptions {
  /** Default: `defaultConversationCache`. */
  cache?: ConversationCache;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Appends `messages` after `prev` (null: a new conversation) and returns the new head. Stores one segment holding
 * only the new messages. Appending no messages to an existing conversation returns `prev` unchanged.
 *
 * @example
 * let ref = await appendMessages(store, null, [{ role: 'user', content: 'Refund order 1001' }]);
 * ref = await appendMessages(store, ref, [assistantTurn, toolResults]);
 */
export async function appendMessages(
  store: BlobStore,
  prev: ConversationRef | null,
  messages: ChatMessage[],
  options: ChainOptions = {},
): Promise<ConversationRef> {
  if (prev) assertConversationRef(prev);
  if (prev && messages.length === 0) return prev;
  const segment: ConversationSegment = { v: 1, prev: prev?.head ?? null, messages };
  const json = canonicalJson(segment);
  const bytes = encoder.encode(json);
  const head = await store.put(bytes);
  const ref: ConversationRef = { head, messages: (prev?.messages ?? 0) + messages.length };

  // The worker that appended usually loads the conversation next (the model step): cache the new head when its
  // parent is cached, from the stored bytes, so later changes to the caller's objects cannot reach the cache.
  const cache = options.cache ?? defaultConversationCache;
  const parent = prev ? cache.get(prev.head) : { messages: [], bytes: 0 };
  if (parent) {
    const added = deepFreeze((JSON.parse(json) as ConversationSegment).messages);
    cache.set(head, { messages: parent.messages.concat(added), bytes: parent.bytes + bytes.byteLength });
  }
  return ref;
}

/**
 * The whole conversation at `ref`, oldest message first. Walks back from the head until the first segment or a
 * head already in the cache, so after an append only the new segments are read from the store. The messages are
 * frozen (they are shared with the cache); the array itself is the caller's.
 *
 * @example
 * const messages = await loadConversation(store, input.conversation);
 */
export async function loadConversation(
  store: BlobStore,
  ref: ConversationRef,
  options: ChainOptions = {},
): Promise<ChatMessage[]> {
  assertConversationRef(ref);
  const cache = options.cache ?? defaultConversationCache;
  const hit = cache.get(ref.head);
  if (hit) return checkCount(ref, hit.messages).slice();

  const segments: { messages: ChatMessage[]; bytes: number }[] = [];
  let base: CachedConversation = { messages: [], bytes: 0 };
  let next: string | null = ref.head;
  // Every segment but possibly the first holds at least one message, so a sound chain has at most messages + 1.
  for (let steps = 0; next !== null; steps++) {
    if (steps > ref.messages) {
      throw new ConversationChainError(`conversation ${ref.head} has more segments than its ${ref.messages} messages allow`);
    }
    const cached = steps > 0 ? cache.get(next) : undefined;
    if (cached) {
      base = cached;
      break;
    }
    const bytes = await store.get(next);
    const segment = parseSegment(next, bytes);
    segments.push({ messages: segment.messages, bytes: bytes.byteLength });
    next = segment.prev;
  }

  let messages = base.messages;
  let total = base.bytes;
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i] as (typeof segments)[number];
    messages = messages.concat(deepFreeze(segment.messages));
    total += segment.bytes;
  }
  checkCount(ref, messages);
  cache.set(ref.head, { messages, bytes: total });
  return messages.slice();
}

/**
 * JSON with object keys sorted and no whitespace: one value, one string. `undefined` object fields are left out
 * and `undefined` array items become `null`, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

function assertConversationRef(ref: ConversationRef): void {
  if (!ref || typeof ref.head !== 'string' || !BLOB_KEY_PATTERN.test(ref.head)) {
    throw new ConversationChainError(`not a conversation reference: ${JSON.stringify(ref)}`);
  }
  if (!Number.isSafeInteger(ref.messages) || ref.messages < 0) {
    throw new ConversationChainError(`conversation reference with a bad message count: ${JSON.stringify(ref)}`);
  }
}

function parseSegment(key: string, bytes: Uint8Array): ConversationSegment {
  let segment: unknown;
  try {
    segment = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new ConversationChainError(`blob ${key} is not a conversation segment (not JSON)`);
  }
  const s = segment as Partial<ConversationSegment> | null;
  if (!s || s.v !== 1 || !Array.isArray(s.messages) || (s.prev !== null && (typeof s.prev !== 'string' || !BLOB_KEY_PATTERN.test(s.prev)))) {
    throw new ConversationChainError(`blob ${key} is not a version 1 conversation segment`);
  }
  return s as ConversationSegment;
}

function checkCount(ref: ConversationRef, messages: readonly ChatMessage[]): readonly ChatMessage[] {
  if (messages.length !== ref.messages) {
    throw new ConversationChainError(`conversation ${ref.head} holds ${messages.length} messages, its reference says ${ref.messages}`);
  }
  return messages;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

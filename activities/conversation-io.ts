/**
 * The model step's side of conversations by reference: load the stored chain, add what the workflow appended, put
 * offloaded tool results back, fit the whole into the model's context; after the answer, store the new messages
 * (compact: offloaded results stay references) as one segment and hand back the new head.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ConversationRef, OffloadedValue } from '../common/conversation';
import { STORE_CORRUPT } from '../common/failures';
import { PAYLOAD_DEFAULTS } from '../common/defaults';
import type { ChatMessage, ModelCallInput, ToolResultBlock } from '../common/model';
import type { BlobStore } from '../stores/blob-store';
import { appendMessages, loadConversation } from '../stores/conversation-chain';

export interface PreparedConversation {
  /** What the model is sent: the whole conversation, offloaded results in full, fitted to the context. */
  request: ChatMessage[];
  /** What this step stores with its answer: the appended messages as the workflow sent them. */
  toStore: ChatMessage[];
  previous: ConversationRef | null;
}

/**
 * `maxBytes`: requests larger than this (JSON bytes) get their oldest tool results elided; the worker passes its
 * configured limit (DURABLE_AGENT_MAX_CONTEXT_BYTES, `ActivityDeps.payloads`), the default is common/defaults.ts's.
 */
export async function prepareConversation(
  store: BlobStore,
  input: ModelCallInput,
  maxBytes: number = PAYLOAD_DEFAULTS.maxContextBytes,
): Promise<PreparedConversation> {
  try {
    return await prepare(store, input, maxBytes);
  } catch (err) {
    throw storeCorruptFailure(err) ?? err;
  }
}

async function prepare(store: BlobStore, input: ModelCallInput, maxBytes: number): Promise<PreparedConversation> {
  if (input.messages) {
    // A workflow from before conversations by reference sent the whole list: store it whole, once, from here on.
    return { request: await fitContext(store, input.messages, maxBytes), toStore: input.messages, previous: null };
  }
  const previous = input.conversation ?? null;
  const stored = previous ? await loadConversation(store, previous) : [];
  const append = input.append ?? [];
  return { request: await fitContext(store, [...stored, ...append], maxBytes), toStore: append, previous };
}

/**
 * A corrupt blob (`BlobCorruptError`, matched by name: it may come from another copy of the module) as the model
 * step reports it: `StoreCorrupt`, not retryable (the store gives the same bytes on every attempt), naming the key
 * and the store, never the content. The workflow escalates on it (`store_corrupt`) instead of failing the run; a put
 * of the right bytes, by whoever still has them, repairs the blob.
 */
export function storeCorruptFailure(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof Error) || err.name !== 'BlobCorruptError') return undefined;
  const { key, store } = err as Error & { key?: unknown; store?: unknown };
  return ApplicationFailure.create({
    message: `conversation blob ${String(key)} in ${String(store)} is corrupt: its bytes do not match its key`,
    type: STORE_CORRUPT,
    nonRetryable: true,
  });
}

/** Stores the appended messages and the model's answer as one segment; the same step retried gives the same head. */
export function storeAnswer(store: BlobStore, prepared: PreparedConversation, answer: ChatMessage): Promise<ConversationRef> {
  return appendMessages(store, prepared.previous, [...prepared.toStore, answer]);
}

/**
 * A tool's output as the workflow will carry it: itself when small, else a reference to the stored JSON. Big tool
 * results are stored once, by the tool step; at or below `limit` bytes (DURABLE_AGENT_INLINE_RESULT_BYTES), inline.
 */
export async function offloadIfLarge(store: BlobStore, output: unknown, limit: number = PAYLOAD_DEFAULTS.inlineResultBytes): Promise<unknown> {
  const json = JSON.stringify(output) ?? 'null';
  const bytes = Buffer.byteLength(json);
  if (bytes <= limit) return output;
  const key = await store.put(Buffer.from(json));
  const placeholder: OffloadedValue = { $offloaded: { key, bytes, preview: json.slice(0, 200) } };
  return placeholder;
}

/** Reads an offloaded value back (for verify(), and for people). */
export async function loadOffloaded(store: BlobStore, value: OffloadedValue): Promise<unknown> {
  return JSON.parse(Buffer.from(await store.get(value.$offloaded.key)).toString('utf8')) as unknown;
}

/**
 * The request the model sees. While the whole is over `maxBytes`, the oldest tool results (never those of the last
 * exchange) are replaced by a note saying what was elided; then offloaded results still in it are read back in
 * full. Sizes come from the references, so an elided result is never read. Deterministic: a retried step sends the
 * same request.
 */
async function fitContext(store: BlobStore, messages: ChatMessage[], maxBytes: number): Promise<ChatMessage[]> {
  const sizeOf = (block: ToolResultBlock) => block.offloaded?.bytes ?? block.content.length;
  let size = Buffer.byteLength(JSON.stringify(messages));
  for (const m of messages) {
    if (m.role === 'user' && typeof m.content !== 'string') {
      for (const b of m.content) if (b.type === 'tool_result' && b.offloaded) size += b.offloaded.bytes;
    }
  }
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const out = messages.map((message, i): ChatMessage => {
    if (message.role !== 'user' || typeof message.content === 'string' || i >= lastUser || size <= maxBytes) return message;
    const content = message.content.map((block) => {
      if (block.type !== 'tool_result' || size <= maxBytes || sizeOf(block) < 200) return block;
      const note = `[elided to fit the context: this tool result was ${sizeOf(block)} characters]`;
      size -= sizeOf(block) - note.length;
      return { type: block.type, tool_use_id: block.tool_use_id, content: note, ...(block.is_error ? { is_error: true } : {}) };
    });
    return { role: 'user', content };
  });
  return Promise.all(
    out.map(async (message): Promise<ChatMessage> => {
      if (message.role !== 'user' || typeof message.content === 'string') return message;
      const content = await Promise.all(message.content.map((block) => (block.type === 'tool_result' ? expand(store, block) : block)));
      return { role: 'user', content };
    }),
  );
}

/** A tool_result as the API takes it: our `offloaded` field removed, the stored value as its content. */
async function expand(store: BlobStore, block: ToolResultBlock): Promise<ToolResultBlock> {
  if (!block.offloaded) return block;
  const { offloaded, ...rest } = block;
  return { ...rest, content: Buffer.from(await store.get(offloaded.key)).toString('utf8') };
}

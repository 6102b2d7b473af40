/**
 * A conversation by reference: what a model step receives instead of the whole message list, so the bytes each
 * step adds to history do not grow with the length of the run. Plain JSON; it crosses the workflow boundary.
 */
import type { ChatMessage } from './model';

/**
 * The head of a content-addressed chain of conversation segments (`stores/conversation-chain.ts`): `head` is the
 * sha256 hex key of the newest segment, each segment names the one before it, and `messages` is how many messages
 * the whole chain holds (a check when loading, and a number the workflow can show without loading anything).
 *
 * @example
 * const ref: ConversationRef = { head: '9f86d0…', messages: 12 };
 */
export interface ConversationRef {
  head: string;
  messages: number;
}

/**
 * A value too large to carry through history (a big tool output): stored once in the blob store, and carried as
 * this placeholder. The model step puts the full value back before the model sees it; the trace and the ledger
 * keep the placeholder (the key reads the value back from the store).
 */
export interface OffloadedValue {
  $offloaded: {
    /** sha256 hex key in the blob store: the value's canonical JSON. */
    key: string;
    /** Size of that JSON, in bytes. */
    bytes: number;
    /** Its first characters, for people reading the trace. */
    preview: string;
  };
}

export function isOffloaded(value: unknown): value is OffloadedValue {
  return typeof value === 'object' && value !== null && '$offloaded' in value && typeof (value as OffloadedValue).$offloaded?.key === 'string';
}

/**
 * A conversation as the workflow holds it: the stored part (a chain ending with the model's last answer) and the
 * messages added since, not yet stored. A model step stores both together with its answer and hands back the new
 * head; so each step's history carries only what is new.
 */
export interface ConversationState {
  ref: ConversationRef | null;
  pending: ChatMessage[];
}

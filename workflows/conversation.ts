/**
 * The conversation as the workflow holds it: never the whole message list. The stored part is a reference to a
 * content-addressed chain (stores/conversation-chain.ts, written by the model step); `pending` holds the messages
 * added since the model last answered (the prompt, tool results, a person's words). Each model step receives the
 * reference and `pending`, and returns the new head; so the bytes a step adds to history do not depend on how long
 * the run already is.
 */
import type { ConversationRef, ConversationState } from '../common/conversation';
import type { ChatMessage, ModelCallResult } from '../common/model';

export class Conversation {
  ref: ConversationRef | null;
  pending: ChatMessage[];

  constructor(state: ConversationState) {
    this.ref = state.ref;
    this.pending = state.pending;
  }

  static start(prompt: string): Conversation {
    return new Conversation({ ref: null, pending: [{ role: 'user', content: prompt }] });
  }

  /** Messages in the whole conversation, without loading it. */
  get length(): number {
    return (this.ref?.messages ?? 0) + this.pending.length;
  }

  /** What continue-as-new carries: two small fields. */
  get state(): ConversationState {
    return { ref: this.ref, pending: this.pending };
  }

  push(message: ChatMessage): void {
    this.pending.push(message);
  }

  /** Adds a person's words, keeping the user/assistant alternation the API requires. */
  addUserText(text: string): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last.role === 'user') {
      const content = typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
      last.content = [...content, { type: 'text', text }];
    } else {
      this.pending.push({ role: 'user', content: text });
    }
  }

  /** After a model step: the step stored `pending` and its answer, and says where the chain now ends. */
  answered(result: ModelCallResult): void {
    if (result.conversation) {
      this.ref = result.conversation;
      this.pending = [];
    } else {
      // Replaying a step recorded before conversations were stored by reference: keep the messages here, as then.
      this.pending.push({ role: 'assistant', content: result.content });
    }
  }
}

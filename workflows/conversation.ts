/** Small edits to the conversation the model sees. */
import type { ChatMessage } from '../common/model';

/** Adds a person's words to the conversation, keeping the user/assistant alternation the API requires. */
export function addUserText(messages: ChatMessage[], text: string): void {
  const last = messages[messages.length - 1];
  if (last && last.role === 'user') {
    const content = typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
    last.content = [...content, { type: 'text', text }];
  } else {
    messages.push({ role: 'user', content: text });
  }
}

/**
 * Reading a Messages API request: the checks the real API makes that a client bug would trip, and the text
 * the scripted model keys on (turn number, run key, expectations).
 */
import { sha256Hex } from './wire';
import { isRecord } from '../common/values';

export interface RequestMessage {
  role: string;
  content: unknown;
}

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: unknown;
  messages: RequestMessage[];
  tools?: unknown[];
  stream?: unknown;
}

/**
 * Returns the request or the reason the real API would reject it, worded like its `invalid_request_error`s.
 * Only the fields we rely on are checked: anything else passes, as new API fields would.
 */
export function parseMessagesRequest(body: unknown): MessagesRequest | string {
  if (!isRecord(body)) return 'request body must be a JSON object';
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    return 'max_tokens: Field required (a positive integer)';
  }
  if (!Array.isArray(body.messages)) return 'messages: Field required';
  for (const [i, message] of body.messages.entries()) {
    if (!isRecord(message)) return `messages.${i}: Input should be an object`;
    if (message.role !== 'user' && message.role !== 'assistant') {
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      return `messages.${i}.content: Input should be a string or a list of content blocks`;
    }
  }
  if (body.tools !== undefined && !Array.isArray(body.tools)) return 'tools: Input should be a valid list';
  return body as unknown as MessagesRequest;
}

/** The turn is how many answers the model already gave: a function of the request alone, never of history. */
export function countAssistantMessages(request: MessagesRequest): number {
  return request.messages.filter((m) => m.role === 'assistant').length;
}

/** Text of a tool_result's content, which is a string or a list of (text) blocks. */
function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
    .join('\n');
}

/** All the text in a message's content: string content, text blocks and tool_result contents. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((b) => {
      if (b.type === 'text' && typeof b.text === 'string') return b.text;
      if (b.type === 'tool_result') return toolResultText(b.content);
      return '';
    })
    .join('\n');
}

export function lastUserMessage(request: MessagesRequest): RequestMessage | undefined {
  return [...request.messages].reverse().find((m) => m.role === 'user');
}

export function hasErrorToolResult(message: RequestMessage | undefined): boolean {
  if (!message || !Array.isArray(message.content)) return false;
  return message.content.some((b) => isRecord(b) && b.type === 'tool_result' && b.is_error === true);
}

/** The system prompt as text: a string or a list of text blocks. */
export function systemText(system: unknown): string {
  return messageText(system);
}

export function toolNames(request: MessagesRequest): string[] {
  return (request.tools ?? []).filter(isRecord).flatMap((t) => (typeof t.name === 'string' ? [t.name] : []));
}

/**
 * Without a run header, the first user message stands for the run: the same prompt restarted counts its
 * attempts together, which is what a test that does not send the header expects.
 */
export function fallbackRunKey(request: MessagesRequest): string {
  const first = request.messages.find((m) => m.role === 'user');
  return `prompt-${sha256Hex(messageText(first?.content)).slice(0, 16)}`;
}

/**
 * The Messages API's wire shapes as the scripted model sends them: error bodies, message bodies and ids. Kept
 * apart from the HTTP plumbing so the shapes can be read against the real API's documentation in one place.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Turn } from './scenario';
import { isRecord } from '../common/values';

/** The real API's status → error type table; the SDK picks its error class by status, callers read the type. */
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function errorTypeFor(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export interface ErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

export function errorBody(type: string, message: string, requestId: string): ErrorBody {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
}

export function newMessageId(): string {
  return `msg_${randomBytes(12).toString('hex')}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Same run, same turn, same index → same id, so a retried or resumed step sees identical tool_use ids. */
export function toolUseId(turn: number, index: number, runKey: string): string {
  return `toolu_${turn}_${index}_${sha256Hex(runKey).slice(0, 8)}`;
}

/**
 * The turn's content blocks. Raw `content` is sent as written, except that a tool_use block without an `id`
 * gets the deterministic one (scripting odd blocks should not mean giving up stable ids).
 */
export function buildContent(turn: Turn, turnIndex: number, runKey: string): unknown[] {
  if (turn.content !== undefined) {
    let toolIndex = 0;
    return turn.content.map((block) => {
      if (!isRecord(block) || block.type !== 'tool_use') return block;
      const id = block.id === undefined ? toolUseId(turnIndex, toolIndex, runKey) : block.id;
      toolIndex += 1;
      return { ...block, id };
    });
  }
  const blocks: unknown[] = [];
  if (turn.text !== undefined) blocks.push({ type: 'text', text: turn.text });
  (turn.toolCalls ?? []).forEach((call, index) => {
    blocks.push({
      type: 'tool_use',
      id: toolUseId(turnIndex, index, runKey),
      name: call.name,
      input: call.input === undefined ? {} : call.input,
    });
  });
  return blocks;
}

export interface MessageBody {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: unknown[];
  stop_reason: string;
  stop_sequence: null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: 0;
    cache_read_input_tokens: 0;
  };
}

/** Token counts are a rough 4 characters per token unless the turn scripts them (for token-limit tests). */
export function buildMessage(
  turn: Turn,
  turnIndex: number,
  runKey: string,
  model: string,
  rawRequestLength: number,
): MessageBody {
  const content = buildContent(turn, turnIndex, runKey);
  const hasToolUse = content.some((b) => isRecord(b) && b.type === 'tool_use');
  return {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: turn.stop_reason ?? (hasToolUse ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: {
      input_tokens: turn.usage?.input_tokens ?? Math.ceil(rawRequestLength / 4),
      output_tokens: turn.usage?.output_tokens ?? Math.ceil(JSON.stringify(content).length / 4),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

/**
 * API keys never reach a log line or a span: one pattern and one scrubber for the JSON logger
 * (workers/json-logger.ts) and the span processor (workers/tracing.ts), whatever else is configured.
 */

/** What an Anthropic API key looks like. Global: use `containsApiKey` to test, not `API_KEY_PATTERN.test`. */
export const API_KEY_PATTERN = /sk-ant-[A-Za-z0-9_-]{8,}/g;

export const REDACTED_API_KEY = '[redacted api key]';

/** True when `value` is a string that holds something shaped like an API key. */
export function containsApiKey(value: unknown): value is string {
  // A fresh regex: the global one keeps `lastIndex` between calls.
  return typeof value === 'string' && new RegExp(API_KEY_PATTERN.source).test(value);
}

/**
 * The text with every API key replaced.
 *
 * @example
 * scrubString('key sk-ant-abcdefgh1234'); // 'key [redacted api key]'
 */
export function scrubString(text: string): string {
  return text.replace(API_KEY_PATTERN, REDACTED_API_KEY);
}

/** Every string in a JSON-like value scrubbed, at any depth (dates kept as they are). */
export function scrubDeep(value: unknown): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (Array.isArray(value)) return value.map(scrubDeep);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v)]));
  }
  return value;
}

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
 * scrubString(`key ${apiKey}`); // 'key [redacted api key]'
 */
export function scrubString(text: string): string {
  return text.replace(API_KEY_PATTERN, REDACTED_API_KEY);
}

/** `Bearer <token>` / `Basic <token>`: what an echoed Authorization header looks like, whatever the token's shape. */
const AUTH_SCHEME_PATTERN = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
/** `x-api-key: <token>`, `api_key=<token>`, `"authorization": "<token>"`: a credential header or field echoed back. */
const CREDENTIAL_FIELD_PATTERN = /\b(x-api-key|api[-_]?key|auth[-_]?token|access[-_]?token|authorization)(["']?\s*[:=]\s*["']?)(?!Bearer\b|Basic\b)[A-Za-z0-9._~+/=-]{8,}/gi;

export const REDACTED_CREDENTIAL = '[redacted]';

/**
 * The text with every API key and every echoed credential (a bearer token, an `x-api-key:` value) replaced: for
 * text that came from the other side of a connection we sent credentials on (a model error's body, which a proxy may
 * fill with the headers it was sent) before it goes into a failure, and so into history.
 *
 * @example
 * scrubCredentials('401: Authorization: Bearer gw_live_0123456789'); // '401: Authorization: Bearer [redacted]'
 */
export function scrubCredentials(text: string): string {
  return scrubString(text)
    .replace(AUTH_SCHEME_PATTERN, (_match, scheme: string, space: string) => `${scheme}${space}${REDACTED_CREDENTIAL}`)
    .replace(CREDENTIAL_FIELD_PATTERN, (_match, name: string, separator: string) => `${name}${separator}${REDACTED_CREDENTIAL}`);
}

/**
 * Every string in a JSON-like value scrubbed, at any depth (dates kept as they are). An object met again inside
 * itself is `[circular]`: log metadata can hold live objects (the SDK logs a worker's options at DEBUG, plugins
 * included), and following a cycle would never end.
 */
export function scrubDeep(value: unknown, ancestors: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (!value || typeof value !== 'object' || value instanceof Date) return value;
  if (ancestors.has(value)) return CIRCULAR;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => scrubDeep(v, ancestors));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, ancestors)]));
  } finally {
    ancestors.delete(value);
  }
}

const CIRCULAR = '[circular]';

/** Small type guards for values that arrive as JSON (workflow input, a model's response, an HTTP body). */

/**
 * A JSON object: not null, not an array.
 *
 * @example
 * isRecord({ a: 1 }); // true
 * isRecord([1]); // false
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

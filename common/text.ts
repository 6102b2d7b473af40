/**
 * Bounded renderings of untrusted or large values, for error messages, logs, the CLI and the trace: enough to
 * recognise a value, never a 2 MB echo, never an exception. Pure: the workflow uses these too.
 */

export interface ClipOptions {
  /** Runs of whitespace (newlines included) become one space, and the ends are trimmed. Default true. */
  flatten?: boolean;
  /** Appended when the text is cut. Default `…`. */
  ellipsis?: string;
}

/**
 * The text in at most `max` characters, the ellipsis included; cut between characters, never inside a surrogate
 * pair (half a pair is not text a model API accepts).
 *
 * @example
 * clip('a long\nanswer', 8); // 'a long …'
 */
export function clip(text: string, max: number, opts: ClipOptions = {}): string {
  const flat = opts.flatten === false ? text : text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const ellipsis = opts.ellipsis ?? '…';
  let cut = Math.max(0, max - ellipsis.length);
  if (cut > 0 && /[\ud800-\udbff]/.test(flat.charAt(cut - 1))) cut -= 1;
  return `${flat.slice(0, cut)}${ellipsis}`;
}

/** JSON, or a word for what cannot be serialized (undefined, a function, nesting too deep, a BigInt). */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return `${kindOf(value)} (cannot be shown as JSON)`;
  }
}

/**
 * Compact one-line JSON of a value (a string as itself), in at most `max` characters.
 *
 * @example
 * brief({ orderId: 'ord_1001' }, 12); // '{"orderId":…'
 */
export function brief(value: unknown, max = 100): string {
  return clip(typeof value === 'string' ? value : safeJson(value), max);
}

/**
 * Characters JSON leaves as they are but a reader cannot see, or that reorder the text around them: zero-width
 * characters, bidi controls (an RTL override), C1 controls, the BOM.
 */
const INVISIBLE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

/** Invisible characters escaped, so `issue\u200b_refund` is visibly not `issue_refund`. */
export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** C0 controls (ESC, CR, backspace, tab, newline, ...): what a terminal obeys instead of showing. */
const C0 = /[\u0000-\u001f]/g;
const C0_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f]/g;

export interface TerminalSafeOptions {
  /** Keep newlines (a block meant to span lines); every other control is still escaped. Default false. */
  multiline?: boolean;
}

/**
 * Untrusted text made safe for a terminal: every character a terminal would obey or that hides or reorders text
 * (C0 controls such as ESC, CR and backspace; DEL and C1; bidi controls U+202A-202E, U+2066-2069, U+200E/F, U+061C;
 * zero-width characters; line and paragraph separators) written visibly as `\uXXXX`. Without `multiline`, newlines
 * are escaped too, so a value cannot start a line of its own. On JSON text the result is the same JSON: `\uXXXX`
 * is JSON's own escape, and JSON has already escaped the C0 controls inside its strings.
 *
 * @example
 * terminalSafe('ok\u001b[2K\rproposed refund'); // 'ok\\u001b[2K\\u000dproposed refund'
 * terminalSafe('line one\nline two', { multiline: true }); // unchanged
 */
export function terminalSafe(text: string, opts: TerminalSafeOptions = {}): string {
  return showInvisible(text).replace(opts.multiline ? C0_BUT_NEWLINE : C0, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * What a model (or any untrusted sender) sent, for an error message it will read: its kind and at most 80
 * characters of its JSON, invisible characters escaped. Never throws.
 *
 * @example
 * describeValue({ amount: '12' }); // 'object {"amount":"12"}'
 * describeValue('x'.repeat(100)).length; // 80
 */
export function describeValue(value: unknown, max = 80): string {
  if (value === undefined) return 'nothing';
  const kind = kindOf(value);
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    // JSON.parse accepts nesting that JSON.stringify cannot recurse through (RangeError: call stack).
    return `${kind} (nested too deeply to show)`;
  }
  const shown = clip(showInvisible(json), max, { flatten: false, ellipsis: '...' });
  return kind === 'string' ? shown : `${kind} ${shown}`;
}

/**
 * A bad value as a short quote in a validation message: a string quoted and cut at 40 characters, a number or a
 * boolean as itself, anything else by its kind.
 *
 * @example
 * quoteValue(42); // '42'
 * quoteValue({}); // 'an object'
 */
export function quoteValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(clip(value, 43, { flatten: false, ellipsis: '...' }));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

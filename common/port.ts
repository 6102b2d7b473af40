/**
 * Port numbers, one rule for every flag and variable that takes one: decimal digits only (no blank, no `0x50`,
 * no `1e3`, no sign), from 0 to 65535; 0 ("pick a free one") only where the caller can listen on any port.
 */

export const MAX_PORT = 65535;

/**
 * The port `text` names, or undefined when it names none.
 *
 * @example
 * parsePort('8787'); // 8787
 * parsePort('0'); // 0: the OS picks one
 * parsePort('0', { allowZero: false }); // undefined: a server others dial needs a real port
 * parsePort('70000'); // undefined
 */
export function parsePort(text: string, opts: { allowZero?: boolean } = {}): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  if (port > MAX_PORT || (port === 0 && opts.allowZero === false)) return undefined;
  return port;
}

/** The range, in words, for an error message. */
export function portRangeWords(opts: { allowZero?: boolean } = {}): string {
  return opts.allowZero === false ? `from 1 to ${MAX_PORT}` : `from 0 to ${MAX_PORT}, 0 picks a free one`;
}

/**
 * `host:port` or `[v6]:port`, with a port that can be dialled (1 to 65535).
 *
 * @example
 * isHostPort('127.0.0.1:9464'); // true
 * isHostPort('localhost'); // false
 */
export function isHostPort(value: string): boolean {
  const match = /^([\w.-]+|\[[\da-fA-F:.]+\]):(\d+)$/.exec(value);
  return match !== null && parsePort(match[2] ?? '', { allowZero: false }) !== undefined;
}

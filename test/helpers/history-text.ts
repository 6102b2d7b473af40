/**
 * A history (or any value holding payloads) as plain text, every payload's bytes decoded as UTF-8, whether they are
 * raw bytes or base64 `data` strings: a secret stored in plaintext anywhere in it would show here.
 */
export function historyText(value: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown, key?: string): void => {
    if (v instanceof Uint8Array) parts.push(Buffer.from(v).toString('utf8'));
    else if (Array.isArray(v)) v.forEach((item) => walk(item));
    else if (v && typeof v === 'object') for (const [k, inner] of Object.entries(v)) walk(inner, k);
    else if (typeof v === 'string') parts.push(key === 'data' ? Buffer.from(v, 'base64').toString('utf8') : v);
  };
  walk(value);
  return parts.join('\n');
}

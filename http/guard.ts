/**
 * What every one of our HTTP surfaces checks before it does anything (docs/security.md): the Host a request names,
 * the Origin a browser adds, secrets compared in constant time, and the headers every response carries.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers on every response: no MIME sniffing of our JSON or script, no caching of escalations or payloads. */
export const BASE_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' } as const;

/**
 * The Host values a server answers to: its loopback names on its own port, plus the host of a configured public
 * origin. A DNS-rebinding page reaches a loopback port under its own name (`evil.example:8234`), so it is refused
 * here before it can read or act.
 *
 * @example
 * const hosts = allowedHosts(8234, 'https://inbox.example.com'); // 127.0.0.1:8234, localhost:8234, [::1]:8234, inbox.example.com
 */
export function allowedHosts(port: number, publicOrigin?: string): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (publicOrigin) hosts.add(new URL(publicOrigin).host);
  return hosts;
}

/** The origins a browser page of this server has: `http://` plus each loopback host, and the public origin. */
export function allowedOrigins(port: number, publicOrigin?: string): Set<string> {
  const origins = new Set([...allowedHosts(port)].map((host) => `http://${host}`));
  if (publicOrigin) origins.add(new URL(publicOrigin).origin);
  return origins;
}

/**
 * A public origin as configured (`--public-origin https://inbox.example.com`): scheme, host and port only.
 * Throws on anything else, so a typo fails at start-up rather than refusing every request.
 */
export function parsePublicOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`public origin must be a URL such as https://inbox.example.com, got "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`public origin must be http(s), got "${value}"`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error(`public origin is scheme://host[:port] only, got "${value}"`);
  }
  return url.origin;
}

/** The one value of a header, or undefined when it is missing or sent more than once. */
export function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const values = req.headersDistinct[name.toLowerCase()];
  return values?.length === 1 ? values[0] : undefined;
}

/**
 * Compares a secret in constant time, whatever the lengths: both sides are hashed first, so neither the position
 * of the first difference nor the length of the expected secret shows in the timing.
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** The request path without its query, or undefined for a request target that is not a plain path. */
export function requestPath(req: IncomingMessage): string | undefined {
  const target = req.url ?? '/';
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  return target.split('?')[0] ?? '/';
}

/** decodeURIComponent that returns undefined instead of throwing on malformed percent-encoding. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A JSON reply with the base headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...BASE_HEADERS, ...headers, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

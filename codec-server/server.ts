/**
 * A Codec Server for the Temporal Web UI (`temporal server start-dev --ui-codec-endpoint URL`): the UI posts the
 * encrypted payloads of a history it displays, and this answers with them decoded, so a person with access reads
 * the run in the UI while the server itself stores only ciphertext.
 *
 * It answers only requests that carry the token (as `Authorization: Bearer <token>`, or as the first path segment,
 * `/<token>/decode`, for UIs that send no header) and, for browsers, only the UI's own origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { readBody } from '../http/read-body';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface CodecServerOptions {
  codecs: PayloadCodec[];
  token: string;
  /** The Temporal UI's origin, for example http://127.0.0.1:8233. */
  allowedOrigin: string;
  host?: string;
  port?: number;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  if (opts.token.length < 16) throw new Error('the codec server token must be at least 16 characters');
  const server: Server = createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => reply(res, 500, { error: err instanceof Error ? err.message : String(err) }, opts));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: CodecServerOptions): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== opts.allowedOrigin) return reply(res, 403, { error: `origin ${origin} is not allowed` }, opts);
  if (req.method === 'OPTIONS') return reply(res, 204, undefined, opts);
  const url = new URL(req.url ?? '/', 'http://codec');
  const segments = url.pathname.split('/').filter(Boolean);
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const pathToken = segments.length === 2 ? segments[0] : undefined;
  if (!sameSecret(bearer ?? pathToken ?? '', opts.token)) return reply(res, 401, { error: 'a valid token is required' }, opts);
  const action = segments.at(-1);
  if (req.method !== 'POST' || (action !== 'decode' && action !== 'encode')) return reply(res, 404, { error: 'POST /decode or /encode' }, opts);
  const body = JSON.parse(await readBody(req, MAX_BODY_BYTES, () => new Error('request body over 16 MiB'))) as { payloads?: JsonPayload[] };
  if (!Array.isArray(body.payloads)) return reply(res, 400, { error: 'expected {"payloads": [...]}' }, opts);
  let payloads = body.payloads.map(fromJson);
  if (action === 'decode') for (const codec of [...opts.codecs].reverse()) payloads = await codec.decode(payloads);
  else for (const codec of opts.codecs) payloads = await codec.encode(payloads);
  reply(res, 200, { payloads: payloads.map(toJson) }, opts);
}

function reply(res: ServerResponse, status: number, body: unknown, opts: CodecServerOptions): void {
  res.writeHead(status, {
    'access-control-allow-origin': opts.allowedOrigin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, authorization, x-namespace',
    'access-control-allow-credentials': 'true',
    vary: 'origin',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The UI sends payloads in proto3 JSON: bytes as base64. */
function fromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) metadata[key] = Buffer.from(value ?? new Uint8Array()).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

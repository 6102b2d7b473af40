/**
 * A Codec Server for the Temporal Web UI (`temporal server start-dev --ui-codec-endpoint URL`): the UI posts the
 * encrypted payloads of a history it displays, and this answers with them decoded, so a person with access reads
 * the run in the UI while the server itself stores only ciphertext.
 *
 * It answers only requests that carry the token (as `Authorization: Bearer <token>`, what `temporal --codec-auth`
 * or a proxy in front sends, or as the first path segment, `/<token>/decode`, for the Web UI, whose codec settings
 * can send only the signed-in user's own access token) and, for browsers, only the UI's own origin. Bad requests get
 * 400 and oversized ones 413, with our own words: no internal error text, no key material (docs/security.md).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { PayloadDecodeError } from '../data-converter/encryption-codec';
import { BASE_HEADERS, sameSecret } from '../http/guard';
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
    handle(req, res, opts).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof BadRequestError) return reply(res, err.status, { error: err.message }, opts);
      // Our codec's refusals are worded for people and hold no key material; anything else stays in the process.
      if (err instanceof PayloadDecodeError) return reply(res, 400, { error: err.message }, opts);
      reply(res, 500, { error: 'internal error in the codec server' }, opts);
    });
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
  if (origin !== undefined && origin !== opts.allowedOrigin) return reply(res, 403, { error: 'this origin is not allowed' }, opts);
  if (req.method === 'OPTIONS') return reply(res, 204, undefined, opts);
  const url = new URL(req.url ?? '/', 'http://codec');
  const segments = url.pathname.split('/').filter(Boolean);
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const pathToken = segments.length === 2 ? segments[0] : undefined;
  // Either proof will do: a UI with sign-in may send its user's own token as the Bearer next to our path token.
  if (!(sameSecret(bearer, opts.token) || sameSecret(pathToken, opts.token))) return reply(res, 401, { error: 'a valid token is required' }, opts);
  const action = segments.at(-1);
  if (req.method !== 'POST' || (action !== 'decode' && action !== 'encode')) return reply(res, 404, { error: 'POST /decode or /encode' }, opts);
  const text = await readBody(req, MAX_BODY_BYTES, () => new BadRequestError(413, 'request body over 16 MiB'));
  let payloads = parsePayloads(text);
  if (action === 'decode') for (const codec of [...opts.codecs].reverse()) payloads = await codec.decode(payloads);
  else for (const codec of opts.codecs) payloads = await codec.encode(payloads);
  reply(res, 200, { payloads: payloads.map(toJson) }, opts);
}

class BadRequestError extends Error {
  override name = 'BadRequestError';
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/** `{"payloads": [{"metadata": {k: base64}, "data": base64}]}`, checked field by field. */
function parsePayloads(text: string): Payload[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequestError(400, 'the body is not valid JSON');
  }
  const list = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(list)) throw new BadRequestError(400, 'expected {"payloads": [...]}');
  return list.map((p: unknown, i) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new BadRequestError(400, `payloads[${i}] is not an object`);
    const { metadata = {}, data = '' } = p as { metadata?: unknown; data?: unknown };
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new BadRequestError(400, `payloads[${i}].metadata is not an object`);
    const entries = Object.entries(metadata as Record<string, unknown>);
    if (typeof data !== 'string' || !BASE64.test(data) || entries.some(([, v]) => typeof v !== 'string' || !BASE64.test(v))) {
      throw new BadRequestError(400, `payloads[${i}]: metadata values and data must be base64 strings`);
    }
    return fromJson({ metadata: Object.fromEntries(entries) as Record<string, string>, data });
  });
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function reply(res: ServerResponse, status: number, body: unknown, opts: CodecServerOptions): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'access-control-allow-origin': opts.allowedOrigin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, authorization, x-namespace',
    'access-control-allow-credentials': 'true',
    vary: 'origin',
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
  });
  res.end(body === undefined ? undefined : JSON.stringify(body));
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

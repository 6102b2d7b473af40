/**
 * The Codec Server decodes payloads for the Temporal UI, and only for a caller with the token from the UI's origin.
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type CodecServer } from '../codec-server/server';
import { EncryptionCodec } from '../data-converter/encryption-codec';

const UI = 'http://127.0.0.1:8233';
const TOKEN = randomBytes(24).toString('hex');
const codec = new EncryptionCodec({ currentKeyId: 'k1', keys: { k1: randomBytes(32) } });
let server: CodecServer;

beforeAll(async () => {
  server = await startCodecServer({ codecs: [codec], token: TOKEN, allowedOrigin: UI });
});
afterAll(async () => server?.close());

async function sealedBody(value: unknown): Promise<string> {
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  const metadata = Object.fromEntries(Object.entries(sealed?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')]));
  return JSON.stringify({ payloads: [{ metadata, data: Buffer.from(sealed?.data as Uint8Array).toString('base64') }] });
}

function decodedValue(json: { payloads: { metadata: Record<string, string>; data: string }[] }): unknown {
  const p = json.payloads[0] as { metadata: Record<string, string>; data: string };
  const metadata = Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  return defaultPayloadConverter.fromPayload({ metadata, data: Buffer.from(p.data, 'base64') });
}

test('with the token (header or path) and the UI origin, payloads come back decoded', async () => {
  const body = await sealedBody({ prompt: 'secret marker 42' });
  const viaHeader = await fetch(`${server.url}/decode`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, origin: UI, 'content-type': 'application/json' },
    body,
  });
  expect(viaHeader.status).toBe(200);
  expect(viaHeader.headers.get('access-control-allow-origin')).toBe(UI);
  expect(decodedValue((await viaHeader.json()) as never)).toEqual({ prompt: 'secret marker 42' });
  const viaPath = await fetch(`${server.url}/${TOKEN}/decode`, { method: 'POST', headers: { origin: UI }, body });
  expect(decodedValue((await viaPath.json()) as never)).toEqual({ prompt: 'secret marker 42' });
});

test('no token, a wrong token or another origin: refused, and nothing decoded', async () => {
  const body = await sealedBody('secret marker 42');
  const none = await fetch(`${server.url}/decode`, { method: 'POST', headers: { origin: UI }, body });
  expect(none.status).toBe(401);
  const wrong = await fetch(`${server.url}/decode`, { method: 'POST', headers: { authorization: 'Bearer nope-nope-nope-nope-nope' }, body });
  expect(wrong.status).toBe(401);
  const elsewhere = await fetch(`${server.url}/decode`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' },
    body,
  });
  expect(elsewhere.status).toBe(403);
  expect(await elsewhere.text()).not.toContain('secret marker');
});

test('the browser preflight from the UI is allowed', async () => {
  const preflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: UI } });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
});

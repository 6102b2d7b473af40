/**
 * The payload codec and the codec server under bad input (docs/security.md, "Codec access"): a payload without our
 * encryption is refused when a key is configured, the GCM tag length is pinned, and the codec server answers bad
 * requests with 400 or 413 in its own words, never with internal error text or key material.
 */
import { randomBytes, type createDecipheriv } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { startCodecServer, type CodecServer } from '../codec-server/server';
import { EncryptionCodec, REFUSED_PLAIN_ENCODING } from '../data-converter/encryption-codec';
import { payloadCodecs } from '../data-converter/keys-from-env';
import { sameSecret } from '../http/guard';

// The module object itself (an `import * as` namespace is a copy under SWC), so a spy sees the codec's calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeCrypto = require('node:crypto') as { createDecipheriv: typeof createDecipheriv };
const KEY = randomBytes(32);
const codec = new EncryptionCodec({ currentKeyId: 'k1', keys: { k1: KEY } });
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);

describe('the encryption codec', () => {
  test('with a key configured, a payload without our encryption is refused, not read as plain JSON', async () => {
    const [decoded] = await codec.decode([plain({ decision: 'approve', by: 'pat' })]);
    // The sender's bytes are gone, and reading the result says why.
    expect(decoded?.data).toEqual(new Uint8Array());
    expect(() => defaultPayloadConverter.fromPayload(decoded as Payload)).toThrow(`Unknown encoding: ${REFUSED_PLAIN_ENCODING}`);
    expect(REFUSED_PLAIN_ENCODING).toMatch(/unencrypted payload/);
    // Our own payloads still round-trip.
    const [roundTrip] = await codec.decode(await codec.encode([plain({ ok: 1 })]));
    expect(defaultPayloadConverter.fromPayload(roundTrip as Payload)).toEqual({ ok: 1 });
  });

  test('the escape hatch, off by default: acceptPlain (the codec server; DURABLE_AGENT_PAYLOAD_ACCEPT_PLAIN=1 for a migration)', async () => {
    const lenient = new EncryptionCodec({ currentKeyId: 'k1', keys: { k1: KEY } }, { acceptPlain: true });
    const [passed] = await lenient.decode([plain('old run')]);
    expect(defaultPayloadConverter.fromPayload(passed as Payload)).toBe('old run');

    const env = { DURABLE_AGENT_PAYLOAD_KEY: KEY.toString('base64') };
    const decodeWith = async (e: NodeJS.ProcessEnv) => (await (payloadCodecs(e)[0] as EncryptionCodec).decode([plain('x')]))[0];
    expect(await decodeWith(env)).not.toEqual(plain('x'));
    expect(await decodeWith({ ...env, DURABLE_AGENT_PAYLOAD_ACCEPT_PLAIN: '1' })).toEqual(plain('x'));
    expect(() => payloadCodecs({ ...env, DURABLE_AGENT_PAYLOAD_ACCEPT_PLAIN: 'yes' })).toThrow(/must be 1/);
    // No key, no codec: development stays plain.
    expect(payloadCodecs({})).toEqual([]);
  });

  test('the AES-GCM auth tag is pinned to 16 bytes: authTagLength is given to createDecipheriv, and a shorter sealed payload is refused', async () => {
    const spy = jest.spyOn(nodeCrypto, 'createDecipheriv');
    try {
      await codec.decode(await codec.encode([plain('x')]));
      expect(spy).toHaveBeenCalledWith('aes-256-gcm', expect.anything(), expect.anything(), { authTagLength: 16 });
    } finally {
      spy.mockRestore();
    }
    const [sealed] = await codec.encode([plain('x')]);
    // 12 bytes of IV and 4 of "tag": GCM accepts a 4-byte tag unless told the length, and 2^32 guesses forge one.
    for (const length of [0, 12, 16, 27]) {
      const short = { ...sealed, data: Buffer.from(sealed?.data as Uint8Array).subarray(0, length) };
      await expect(codec.decode([short])).rejects.toMatchObject({ name: 'PayloadDecodeError', message: expect.stringMatching(/too short/) });
    }
  });

  test('a tampered payload or an unknown key is a PayloadDecodeError in our words', async () => {
    const [sealed] = await codec.encode([plain('secret')]);
    const data = Buffer.from(sealed?.data as Uint8Array);
    data[20] = (data[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed, data }])).rejects.toMatchObject({ name: 'PayloadDecodeError', message: expect.stringMatching(/failed authentication/) });
    const other = new EncryptionCodec({ currentKeyId: 'k2', keys: { k2: randomBytes(32) } });
    await expect(other.decode([sealed as Payload])).rejects.toMatchObject({ name: 'PayloadDecodeError', message: expect.stringMatching(/key "k1"/) });
  });
});

describe('secrets', () => {
  test('sameSecret is true only for the same string, whatever the lengths', () => {
    expect(sameSecret('a'.repeat(32), 'a'.repeat(32))).toBe(true);
    expect(sameSecret('a'.repeat(31), 'a'.repeat(32))).toBe(false);
    expect(sameSecret('a'.repeat(33), 'a'.repeat(32))).toBe(false);
    expect(sameSecret('', 'a'.repeat(32))).toBe(false);
    expect(sameSecret(undefined, 'a'.repeat(32))).toBe(false);
  });
});

describe('the codec server', () => {
  const UI = 'http://127.0.0.1:8233';
  const TOKEN = randomBytes(24).toString('hex');
  let server: CodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ codecs: [codec], token: TOKEN, allowedOrigin: UI });
  });
  afterAll(async () => server?.close());

  const post = (body: string, path = '/decode', headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers }, body });
  const sealedJson = async (value: unknown) => {
    const [sealed] = await codec.encode([plain(value)]);
    const metadata = Object.fromEntries(Object.entries(sealed?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')]));
    return { metadata, data: Buffer.from(sealed?.data as Uint8Array).toString('base64') };
  };

  test('bad JSON and malformed payloads get 400 in our words, not 500 with internal messages', async () => {
    const cases = [
      '{"payloads": [',
      '{"payloads": "x"}',
      'null',
      '{"payloads": [1]}',
      '{"payloads": [{"metadata": {"encoding": 5}}]}',
      '{"payloads": [{"metadata": [], "data": ""}]}',
      '{"payloads": [{"data": "not base64!"}]}',
    ];
    for (const body of cases) {
      const res = await post(body);
      const text = await res.text();
      expect([body, res.status]).toEqual([body, 400]);
      expect(text).not.toMatch(/SyntaxError|TypeError|Unexpected|at position|node:internal/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  test('a payload that fails to decrypt gets 400 with no internal text and no key material', async () => {
    const sealed = await sealedJson('secret marker 42');
    const data = Buffer.from(sealed.data, 'base64');
    data[20] = (data[20] ?? 0) ^ 1;
    const res = await post(JSON.stringify({ payloads: [{ ...sealed, data: data.toString('base64') }] }));
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).toMatch(/failed authentication/);
    expect(text).not.toMatch(/Unsupported state|unable to authenticate data/);
    expect(text).not.toContain(KEY.toString('base64'));
    expect(text).not.toContain(KEY.toString('hex'));
    expect(text).not.toContain('secret marker');
  });

  test('an oversized body gets 413', async () => {
    const res = await post(JSON.stringify({ payloads: [{ data: 'A'.repeat(17 * 1024 * 1024) }] }));
    expect(res.status).toBe(413);
  });

  test('the token travels as Authorization: Bearer, or in the path next to a UI sign-in token in the header', async () => {
    const body = JSON.stringify({ payloads: [await sealedJson({ prompt: 'marker' })] });
    expect((await post(body)).status).toBe(200);
    // The Web UI with sign-in and "pass the user access token" sends its own OIDC token as the Bearer.
    const res = await post(body, `/${TOKEN}/decode`, { authorization: 'Bearer eyJhbGciOi.the-users-oidc-token.sig', origin: UI });
    expect(res.status).toBe(200);
    expect((await post(body, '/decode', { authorization: 'Bearer eyJhbGciOi.the-users-oidc-token.sig' })).status).toBe(401);
    expect((await post(body, `/${TOKEN.slice(1)}/decode`, { authorization: '' })).status).toBe(401);
  });
});

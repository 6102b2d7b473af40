/**
 * Why a payload could not be decoded, classified once (client/undecodable.ts), from the errors the codec and the
 * SDK's payload converter really raise: no key, a key id not configured, an unencrypted payload refused, another
 * codec's encoding, a corrupt payload; and nothing else passes for a decoding problem.
 */
import { randomBytes } from 'node:crypto';
import { ApplicationFailure, defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { classifyUndecodable, isEncryptedPayload, UndecodableRunError, type Undecodable } from '../client/undecodable';
import { EncryptionCodec } from '../data-converter/encryption-codec';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const withK2 = new EncryptionCodec({ currentKeyId: 'k2', keys: { k2 } });
const withK1Only = new EncryptionCodec({ currentKeyId: 'k1', keys: { k1 } });
const plain = defaultPayloadConverter.toPayload({ prompt: 'pay acme' }) as Payload;

/** Decodes as a client does (codec, then converter) and classifies what it throws. */
async function classify(codec: EncryptionCodec | undefined, payload: Payload): Promise<Undecodable | undefined> {
  try {
    const [decoded] = codec ? await codec.decode([payload]) : [payload];
    defaultPayloadConverter.fromPayload(decoded as Payload);
  } catch (err) {
    return classifyUndecodable(err);
  }
  throw new Error('the payload decoded');
}

test('encrypted, read without a key: no-key', async () => {
  const [sealed] = await withK2.encode([plain]);
  expect(await classify(undefined, sealed as Payload)).toMatchObject({ cause: 'no-key', detail: expect.stringMatching(/DURABLE_AGENT_PAYLOAD_KEY/) });
});

test('encrypted with k2, read with only k1: unknown-key, naming k2', async () => {
  const [sealed] = await withK2.encode([plain]);
  expect(await classify(withK1Only, sealed as Payload)).toMatchObject({ cause: 'unknown-key', keyId: 'k2' });
});

test('unencrypted, read with a key: unencrypted (refused)', async () => {
  expect((await classify(withK2, plain))?.cause).toBe('unencrypted');
});

test("another codec's encoding: foreign-encoding, with the encoding named printably", async () => {
  const foreign: Payload = { metadata: { [METADATA_ENCODING_KEY]: Buffer.from('binary/acme-vault\u001b[2K') }, data: Buffer.from('x') };
  const found = await classify(undefined, foreign);
  expect(found?.cause).toBe('foreign-encoding');
  expect(found?.detail).toContain('binary/acme-vault');
  expect(found?.detail).not.toContain('\u001b');
});

test('our encryption, tampered: corrupt', async () => {
  const [sealed] = await withK2.encode([plain]);
  const data = Buffer.from((sealed as Payload).data as Uint8Array);
  data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 1;
  expect((await classify(withK2, { ...(sealed as Payload), data }))?.cause).toBe('corrupt');
});

test('errors that are not about decoding are not classified; an UndecodableRunError keeps its reason', () => {
  expect(classifyUndecodable(new Error('no worker answered'))).toBeUndefined();
  // A workflow's own failure may quote the words; it is not this process failing to decode.
  expect(classifyUndecodable(ApplicationFailure.create({ message: 'Unknown encoding: binary/encrypted' }))).toBeUndefined();
  const reason: Undecodable = { cause: 'no-key', detail: 'd' };
  const err = new UndecodableRunError('ops-1', reason);
  expect(err.message).toBe('run "ops-1": its payloads could not be decoded: d');
  expect(classifyUndecodable(err)).toBe(reason);
  expect(classifyUndecodable(Object.assign(new Error('wrapped'), { cause: err }))).toBe(reason);
});

test('isEncryptedPayload reads the metadata only', async () => {
  const [sealed] = await withK2.encode([plain]);
  expect(isEncryptedPayload(sealed)).toBe(true);
  expect(isEncryptedPayload(plain)).toBe(false);
  expect(isEncryptedPayload(undefined)).toBe(false);
});

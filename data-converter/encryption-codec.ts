/**
 * Payloads private at rest: every payload a client or worker sends to Temporal is compressed, then encrypted with
 * AES-256-GCM. The key id travels in the payload's metadata, so keys can rotate: new payloads use the current key,
 * old ones are read with the key they name. Search attributes are not payloads and stay readable (they must be
 * indexed); keep secrets out of them.
 *
 * With a key configured, a payload that arrives without our encryption (a workflow started, signalled or updated by
 * a client without the key) is refused, not read as plain JSON: otherwise anyone who can reach the namespace could
 * hand the worker input that looks as if a keyed client sent it. Everything our own clients and workers write goes
 * through this codec; what the SDK does not pass through codecs (search attributes, headers) is not decoded here.
 * `acceptPlain` is the one escape hatch (docs/security.md): for the codec server, which shows whatever a history
 * holds, and for a migration of runs started before encryption was turned on.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM+gzip';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface CodecKeys {
  /** Id of the key new payloads are encrypted with. */
  currentKeyId: string;
  /** Every key that may be needed to read a payload, by id (the current one included). 32 bytes each. */
  keys: Record<string, Uint8Array>;
}

export interface EncryptionCodecOptions {
  /**
   * Pass payloads without our encryption through on decode instead of refusing them. Off by default. The codec
   * server sets it (it only displays); a worker sets it only while migrating runs started before the key existed.
   */
  acceptPlain?: boolean;
}

/**
 * What an unencrypted payload decodes to when a key is configured: no data, and an encoding no payload converter
 * knows, named so that the converter's error says why ("Unknown encoding: refused: unencrypted payload ...").
 * Not a thrown error, because the SDK runs codecs outside the workflow: a codec error fails the whole workflow
 * task (for an Update, again on every retry while the Update is pending), whereas input the payload converter
 * cannot read makes the SDK reject the Update cleanly before it is accepted. A refused start or Signal fails the
 * workflow task either way; nothing of the sender's value is ever read.
 */
export const REFUSED_PLAIN_ENCODING =
  'refused: unencrypted payload (this process has a payload key; was it sent by a client without DURABLE_AGENT_PAYLOAD_KEY?)';
const REFUSED_PLAIN_PAYLOAD: Payload = { metadata: { [METADATA_ENCODING_KEY]: encoder.encode(REFUSED_PLAIN_ENCODING) }, data: new Uint8Array() };

/** A payload this codec will not decode, said without internal detail or key material. */
export class PayloadDecodeError extends Error {
  override name = 'PayloadDecodeError';
}

export class EncryptionCodec implements PayloadCodec {
  private readonly acceptPlain: boolean;

  constructor(
    private readonly codecKeys: CodecKeys,
    options: EncryptionCodecOptions = {},
  ) {
    this.acceptPlain = options.acceptPlain ?? false;
    const current = codecKeys.keys[codecKeys.currentKeyId];
    if (!current) throw new Error(`no key with id "${codecKeys.currentKeyId}"`);
    for (const [id, key] of Object.entries(codecKeys.keys)) {
      if (key.length !== 32) throw new Error(`payload key "${id}" must be 32 bytes (AES-256), got ${key.length}`);
    }
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.codecKeys.currentKeyId;
    const key = this.codecKeys.keys[keyId] as Uint8Array;
    return payloads.map((payload) => {
      const plain = gzipSync(temporal.api.common.v1.Payload.encode(payload).finish());
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: encoder.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: encoder.encode(keyId),
          [CIPHER_METADATA]: encoder.encode(CIPHER),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) {
        if (this.acceptPlain) return payload;
        return REFUSED_PLAIN_PAYLOAD;
      }
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = keyIdBytes ? decoder.decode(keyIdBytes) : '';
      const key = this.codecKeys.keys[keyId];
      if (!key) throw new PayloadDecodeError(`payload encrypted with key "${printable(keyId)}", which this process does not have (set DURABLE_AGENT_PAYLOAD_OLD_KEYS)`);
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      // IV and a full 16-byte tag at least: GCM would otherwise accept a tag as short as 4 bytes, which can be forged.
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new PayloadDecodeError('encrypted payload too short to hold its IV and 16-byte auth tag');
      const iv = sealed.subarray(0, IV_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      let plain: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAuthTag(tag);
        plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadDecodeError(`encrypted payload failed authentication with key "${printable(keyId)}" (tampered, or sealed with another key of that id)`);
      }
      try {
        return temporal.api.common.v1.Payload.decode(gunzipSync(plain));
      } catch {
        throw new PayloadDecodeError('encrypted payload authenticated but does not hold a payload');
      }
    });
  }
}

/** A key id as it may appear in an error: short and printable, since it comes from the payload. */
function printable(keyId: string): string {
  return keyId.replace(/[^\w.-]/g, '?').slice(0, 64);
}

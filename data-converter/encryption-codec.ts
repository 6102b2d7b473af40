/**
 * Payloads private at rest: every payload a client or worker sends to Temporal is compressed, then encrypted with
 * AES-256-GCM. The key id travels in the payload's metadata, so keys can rotate: new payloads use the current key,
 * old ones are read with the key they name. Search attributes are not payloads and stay readable (they must be
 * indexed); keep secrets out of them.
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

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly codecKeys: CodecKeys) {
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
      // Payloads written before encryption was turned on stay readable.
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = keyIdBytes ? decoder.decode(keyIdBytes) : '';
      const key = this.codecKeys.keys[keyId];
      if (!key) throw new Error(`payload encrypted with key "${keyId}", which this process does not have (set DURABLE_AGENT_PAYLOAD_OLD_KEYS)`);
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      const iv = sealed.subarray(0, IV_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(gunzipSync(plain));
    });
  }
}

/**
 * Payload encryption keys from the environment:
 * - DURABLE_AGENT_PAYLOAD_KEY: the current key, 32 bytes in base64 (`openssl rand -base64 32`);
 * - DURABLE_AGENT_PAYLOAD_KEY_ID: its id (default `k1`), written into every payload it encrypts;
 * - DURABLE_AGENT_PAYLOAD_OLD_KEYS: earlier keys still needed to read old payloads, `id:base64,id:base64`.
 * No key: no encryption (a development default, said once on start-up by the CLI).
 */
import type { PayloadCodec } from '@temporalio/common';
import { EncryptionCodec, type CodecKeys } from './encryption-codec';

export function codecKeysFromEnv(env: NodeJS.ProcessEnv = process.env): CodecKeys | undefined {
  const current = env.DURABLE_AGENT_PAYLOAD_KEY;
  if (!current) return undefined;
  const currentKeyId = env.DURABLE_AGENT_PAYLOAD_KEY_ID || 'k1';
  const keys: Record<string, Uint8Array> = { [currentKeyId]: decodeKey('DURABLE_AGENT_PAYLOAD_KEY', current) };
  for (const entry of (env.DURABLE_AGENT_PAYLOAD_OLD_KEYS ?? '').split(',').filter(Boolean)) {
    const [id, value] = entry.split(':');
    if (!id || !value) throw new Error('DURABLE_AGENT_PAYLOAD_OLD_KEYS must be "id:base64key,id:base64key"');
    keys[id] ??= decodeKey(`DURABLE_AGENT_PAYLOAD_OLD_KEYS (${id})`, value);
  }
  return { currentKeyId, keys };
}

/** The payload codecs a client or worker should use: encryption when a key is configured, none otherwise. */
export function payloadCodecs(env: NodeJS.ProcessEnv = process.env): PayloadCodec[] {
  const keys = codecKeysFromEnv(env);
  return keys ? [new EncryptionCodec(keys)] : [];
}

function decodeKey(name: string, base64: string): Uint8Array {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes in base64 (openssl rand -base64 32); got ${key.length} bytes`);
  return key;
}

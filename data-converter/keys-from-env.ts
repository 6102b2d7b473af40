/**
 * Payload encryption keys from the environment:
 * - DURABLE_AGENT_PAYLOAD_KEY: the current key, 32 bytes in base64 (`openssl rand -base64 32`);
 * - DURABLE_AGENT_PAYLOAD_KEY_ID: its id (default `k1`), written into every payload it encrypts;
 * - DURABLE_AGENT_PAYLOAD_OLD_KEYS: earlier keys still needed to read old payloads, `id:base64,id:base64`.
 * - DURABLE_AGENT_PAYLOAD_ACCEPT_PLAIN=1: the migration escape hatch. With a key, unencrypted payloads are refused
 *   (docs/security.md); set this only while runs started before encryption was turned on are still open.
 * No key: no encryption (a development default, said once on start-up by the CLI).
 */
import type { PayloadCodec } from '@temporalio/common';
import { EncryptionCodec, type CodecKeys, type EncryptionCodecOptions } from './encryption-codec';

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

/**
 * The payload codecs a client or worker should use: encryption when a key is configured, none otherwise.
 *
 * @example
 * const dataConverter = { payloadCodecs: payloadCodecs() };
 * // the codec server, which only displays: payloadCodecs(process.env, { acceptPlain: true })
 */
export function payloadCodecs(env: NodeJS.ProcessEnv = process.env, options: EncryptionCodecOptions = {}): PayloadCodec[] {
  const keys = codecKeysFromEnv(env);
  const acceptPlain = options.acceptPlain ?? acceptPlainFromEnv(env);
  return keys ? [new EncryptionCodec(keys, { acceptPlain })] : [];
}

function acceptPlainFromEnv(env: NodeJS.ProcessEnv): boolean {
  const value = env.DURABLE_AGENT_PAYLOAD_ACCEPT_PLAIN;
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  throw new Error('DURABLE_AGENT_PAYLOAD_ACCEPT_PLAIN must be 1 (accept unencrypted payloads while migrating) or unset');
}

function decodeKey(name: string, base64: string): Uint8Array {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes in base64 (openssl rand -base64 32); got ${key.length} bytes`);
  return key;
}

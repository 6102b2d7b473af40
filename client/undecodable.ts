/**
 * Why a run's payloads could not be decoded, decided in one place: the client API, the CLI, the inbox and the
 * soak's audit all ask `classifyUndecodable`, so one run whose payloads this process cannot read (encrypted and
 * no key here, a rotated-out key, another codec's encoding, a corrupt payload) is reported as that run's problem,
 * with its likely cause, instead of failing the whole list it is in.
 *
 * The codec (data-converter/) and the SDK's payload converter say why in their errors; this reads those errors by
 * name and message (never `instanceof`, which breaks across module copies), and a payload's metadata when there is
 * no error to read (`isEncryptedPayload`, for the start-up warning).
 */
import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { clip } from '../common/text';

/**
 * - `no-key`: the payloads are encrypted and this process has no payload key.
 * - `unknown-key`: they are encrypted with a key id this process does not have (rotated out, or another deployment's).
 * - `unencrypted`: they are not encrypted, and this process has a key, so its codec refuses them.
 * - `foreign-encoding`: an encoding neither our codec nor the SDK's converters know (another codec wrote them).
 * - `corrupt`: our encryption, but they do not decrypt or hold no payload (tampered, truncated, another key of that id).
 */
export type UndecodableCause = 'no-key' | 'unknown-key' | 'unencrypted' | 'foreign-encoding' | 'corrupt';

export interface Undecodable {
  cause: UndecodableCause;
  /** One line for people: what is wrong and what to set. Holds no payload content and no key material. */
  detail: string;
  /** For `unknown-key`: the key id the payload names (printable, at most 64 characters). */
  keyId?: string;
}

/**
 * A run whose payloads this process cannot decode. Its message is one line naming the run and the cause.
 *
 * @example
 * try { await run.trace(); } catch (err) { const why = classifyUndecodable(err); if (why) console.error(why.detail); }
 */
export class UndecodableRunError extends Error {
  override name = 'UndecodableRunError';
  constructor(
    readonly workflowId: string,
    readonly undecodable: Undecodable,
  ) {
    super(undecodableMessage(workflowId, undecodable));
  }
}

/** `run "ops-1": its payloads could not be decoded: <detail>`. */
export function undecodableMessage(workflowId: string, undecodable: Undecodable): string {
  return `run ${JSON.stringify(workflowId)}: its payloads could not be decoded: ${undecodable.detail}`;
}

/** The encoding our codec writes (data-converter/encryption-codec.ts ENCRYPTED_ENCODING). */
const ENCRYPTED = 'binary/encrypted';
/** How the codec marks an unencrypted payload it refuses (data-converter/encryption-codec.ts REFUSED_PLAIN_ENCODING). */
const REFUSED_PLAIN = /^refused: unencrypted payload/;
/** The codec's PayloadDecodeError for a key id it does not hold. */
const UNKNOWN_KEY = /payload encrypted with key "([^"]*)", which this process does not have/;
/** Errors that come from decoding a payload: the SDK's converter's, and our codec's. */
const DECODE_ERROR_NAMES = new Set(['ValueError', 'PayloadConverterError', 'PayloadDecodeError']);

/**
 * Why a payload could not be decoded, from the error decoding it raised; `undefined` when the error is not about
 * decoding a payload (a missing worker, a network error, a refused Update), which the caller handles as before.
 * An `UndecodableRunError` anywhere in the cause chain gives its own reason.
 *
 * @example
 * classifyUndecodable(new ValueError('Unknown encoding: binary/encrypted'))?.cause; // 'no-key'
 */
export function classifyUndecodable(err: unknown): Undecodable | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Object; depth++) {
    const e = current as { name?: unknown; message?: unknown; undecodable?: Undecodable; cause?: unknown };
    const name = typeof e.name === 'string' ? e.name : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (name === 'UndecodableRunError' && e.undecodable) return e.undecodable;
    if (DECODE_ERROR_NAMES.has(name)) {
      const found = fromDecodeError(name, message);
      if (found) return found;
    }
    current = e.cause;
  }
  return undefined;
}

function fromDecodeError(name: string, message: string): Undecodable | undefined {
  const encoding = /Unknown encoding: (.*)/.exec(message)?.[1]?.trim();
  if (encoding !== undefined) {
    if (encoding === ENCRYPTED) {
      return { cause: 'no-key', detail: 'they are encrypted and no payload key is configured here (set DURABLE_AGENT_PAYLOAD_KEY)' };
    }
    if (REFUSED_PLAIN.test(encoding)) {
      return {
        cause: 'unencrypted',
        detail:
          'they are not encrypted, and with a payload key configured unencrypted payloads are refused (written without DURABLE_AGENT_PAYLOAD_KEY; DURABLE_AGENT_PAYLOAD_ACCEPT_PLAIN=1 reads them while migrating)',
      };
    }
    return { cause: 'foreign-encoding', detail: `their encoding "${printable(encoding)}" is not ours (written through another codec)` };
  }
  const keyId = UNKNOWN_KEY.exec(message)?.[1];
  if (keyId !== undefined) {
    const id = printable(keyId);
    return {
      cause: 'unknown-key',
      keyId: id,
      detail: `they are encrypted with key "${id}", which is not configured here (add it to DURABLE_AGENT_PAYLOAD_OLD_KEYS)`,
    };
  }
  if (name === 'PayloadDecodeError') return { cause: 'corrupt', detail: `they are corrupt: ${clip(oneLine(message), 160)}` };
  return undefined;
}

/** Whether a payload, as stored, carries our encryption (read from its metadata, nothing decrypted). */
export function isEncryptedPayload(payload: Payload | null | undefined): boolean {
  const encoding = payload?.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString('utf8') === ENCRYPTED;
}

/**
 * The one line a process without a payload key says at start when the namespace holds encrypted runs: each of
 * them then shows as undecodable.
 */
export const NO_KEY_WARNING =
  'no payload key is configured (DURABLE_AGENT_PAYLOAD_KEY) and this namespace holds encrypted runs: their payloads cannot be decoded here, so they show as undecodable';

function oneLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** Text from a payload or an error, as it may appear in a line: printable, short. */
function printable(text: string): string {
  return text.replace(/[^\w./:+ -]/g, '?').slice(0, 64);
}

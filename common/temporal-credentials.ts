/**
 * What a process shows Temporal, and how it checks Temporal back: TLS (the server's CA, a client certificate pair,
 * the server name), an API key, gRPC headers. Loaded from Temporal's environment configuration at the process edge
 * (connection/temporal-profile.ts) and carried in `ConnectionSettings.credentials`.
 *
 * The values are secrets (an API key, a private key, an `authorization` header), and settings travel far: into
 * logs, `--json` output, error messages, a developer's `console.log(config)`. So they sit in private fields: JSON,
 * `util.inspect` and string conversion show only which of them are set, never what they are.
 */
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

export interface TemporalCredentialValues {
  /** `true`: TLS with the system's CAs; a `TLSConfig`: with its CA, client pair and server name; `false`/unset: plaintext. */
  tls?: TLSConfig | boolean;
  /** Sent as `authorization: Bearer <key>`; Temporal's envconfig turns TLS on with it unless TLS is disabled. */
  apiKey?: string;
  /** Extra gRPC headers on every call (TEMPORAL_GRPC_META_*, a profile's `grpc_meta`). */
  grpcMeta?: Record<string, string>;
}

const REDACTED = '[redacted]';

/**
 * @example
 * const credentials = new TemporalCredentials({ apiKey: process.env.TEMPORAL_API_KEY, tls: true });
 * JSON.stringify({ credentials }); // '{"credentials":"TLS, API key"}'
 * await AgentClient.connect({ address: 'my-ns.a1b2c.tmprl.cloud:7233', namespace: 'my-ns.a1b2c', credentials });
 */
export class TemporalCredentials {
  readonly #values: Readonly<TemporalCredentialValues>;

  constructor(values: TemporalCredentialValues) {
    this.#values = Object.freeze({ ...values });
  }

  get tls(): TLSConfig | boolean | undefined {
    return this.#values.tls;
  }

  get apiKey(): string | undefined {
    return this.#values.apiKey;
  }

  get grpcMeta(): Readonly<Record<string, string>> | undefined {
    return this.#values.grpcMeta;
  }

  /** Whether anything is set: no TLS, key or header is the same as no credentials. */
  get isEmpty(): boolean {
    return !this.#values.tls && this.#values.apiKey === undefined && Object.keys(this.#values.grpcMeta ?? {}).length === 0;
  }

  /**
   * What is set, in words, without a value: "TLS (server CA, client certificate, server name temporal.internal), API
   * key, gRPC headers x-tenant". Header names are shown (they say what is sent), their values never are.
   */
  describe(): string {
    const parts: string[] = [];
    const tls = this.#values.tls;
    if (tls) {
      const details = typeof tls === 'object' ? tlsDetails(tls) : [];
      parts.push(details.length ? `TLS (${details.join(', ')})` : 'TLS');
    } else if (this.#values.apiKey !== undefined) {
      parts.push('no TLS');
    }
    if (this.#values.apiKey !== undefined) parts.push('API key');
    const headers = Object.keys(this.#values.grpcMeta ?? {});
    if (headers.length) parts.push(`gRPC headers ${headers.join(', ')}`);
    return parts.length ? parts.join(', ') : 'plaintext, no API key';
  }

  /** The strings no message may contain: the API key and the header values (a header may be a bearer token). */
  secrets(): string[] {
    const values = [this.#values.apiKey, ...Object.values(this.#values.grpcMeta ?? {})];
    // A one- or two-character value would blank out ordinary text; nobody's secret is that short.
    return values.filter((v): v is string => typeof v === 'string' && v.length >= 3);
  }

  toJSON(): string {
    return this.describe();
  }

  toString(): string {
    return this.describe();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `TemporalCredentials(${this.describe()})`;
  }
}

function tlsDetails(tls: TLSConfig): string[] {
  const details: string[] = [];
  if (tls.serverRootCACertificate) details.push('server CA');
  if (tls.clientCertPair) details.push('client certificate');
  if (tls.serverNameOverride) details.push(`server name ${tls.serverNameOverride}`);
  return details;
}

/**
 * `text` with every secret of `credentials` replaced, for messages that quote a server (which may echo what it was
 * sent: "invalid API key Bearer ...").
 */
export function withoutSecrets(text: string, credentials: TemporalCredentials | undefined): string {
  let out = text;
  for (const secret of credentials?.secrets() ?? []) out = out.split(secret).join(REDACTED);
  // Whatever else a server echoes after "Bearer" is a token too, ours or not.
  return out.replace(/(bearer\s+)[^\s,;"')]+/gi, `$1${REDACTED}`);
}

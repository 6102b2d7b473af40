/**
 * Why a connection to Temporal failed, in one line a person can act on. The SDK's two gRPC stacks say it in their
 * own ways (grpc-js for clients: "14 UNAVAILABLE: No connection established. Last error: ...SSL routines...";
 * the Rust core for workers: "tonic::transport::Error(... InvalidCertificate(UnknownIssuer) ...)"), and to a person
 * both read as "no server". This tells apart: nothing answering, a TLS handshake that failed (and the likely
 * reason), credentials the server refused (UNAUTHENTICATED) or found not allowed (PERMISSION_DENIED), and a
 * namespace the server does not have. test/connect-failure.unit.test.ts holds the real error shapes.
 *
 * No message quotes a secret: what a server echoes back (a refused key, a bearer token) is blanked.
 */
import { withoutSecrets } from '../common/temporal-credentials';
import { clip } from '../common/text';
import type { ConnectTarget } from './connect-options';

export type ConnectFailureKind = 'unreachable' | 'tls' | 'unauthenticated' | 'permission-denied' | 'namespace-not-found' | 'other';

export interface ConnectFailure {
  kind: ConnectFailureKind;
  /** One line: what failed, where, and what to check. */
  message: string;
}

/** A connection to Temporal failed; `kind` says how, the message says it in one line. */
export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
  readonly kind: ConnectFailureKind;
  constructor(failure: ConnectFailure) {
    super(failure.message);
    this.kind = failure.kind;
  }
}

/** gRPC status codes, as both stacks number them. */
const CODE = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/**
 * The failure `err` is, for a connection to `target` (its credentials only to say what was sent and to blank secrets).
 *
 * @example
 * classifyConnectFailure(err, settings).message; // 'TLS handshake with temporal.internal:7233 failed: the server does not answer TLS ...'
 */
export function classifyConnectFailure(err: unknown, target: ConnectTarget): ConnectFailure {
  const chain = causes(err);
  const text = chain.map((e) => e.text).join(' | ');
  const code = chain.find((e) => e.code !== undefined)?.code;
  const { address, namespace, credentials } = target;
  const detail = () => clip(withoutSecrets(serverMessage(chain), credentials), 160);

  // The Rust core gives no number, only tonic's words for the code.
  if (code === CODE.UNAUTHENTICATED || /does not have valid authentication credentials|\bUNAUTHENTICATED\b/.test(text)) {
    const sent = credentials?.apiKey !== undefined ? 'the API key (TEMPORAL_API_KEY or api_key in the profile)' : 'no API key';
    return {
      kind: 'unauthenticated',
      message: `Temporal at ${address} refused the credentials (UNAUTHENTICATED: ${detail()}); this process sent ${sent}${credentials?.tls && typeof credentials.tls === 'object' && credentials.tls.clientCertPair ? ' and a client certificate' : ''}`,
    };
  }
  if (code === CODE.PERMISSION_DENIED || /does not have permission to execute|\bPERMISSION_DENIED\b/.test(text)) {
    return {
      kind: 'permission-denied',
      message: `Temporal at ${address} denied access to namespace "${namespace}" (PERMISSION_DENIED: ${detail()}): the credentials are valid but not allowed there`,
    };
  }
  const tls = tlsReason(text, target);
  if (tls) return { kind: 'tls', message: `TLS handshake with ${address} failed: ${tls}` };
  if (code === CODE.NOT_FOUND || /Namespace .* is not found|NamespaceNotFound/i.test(text)) {
    return { kind: 'namespace-not-found', message: `Temporal at ${address} has no namespace "${namespace}"` };
  }
  const unreachable = unreachableReason(text);
  if (unreachable !== undefined || code === CODE.UNAVAILABLE || code === CODE.DEADLINE_EXCEEDED) {
    return { kind: 'unreachable', message: `cannot reach Temporal at ${address}${unreachable ? `: ${unreachable}` : ''}` };
  }
  return { kind: 'other', message: `connecting to Temporal at ${address} failed: ${clip(withoutSecrets(chain[0]?.text ?? String(err), credentials), 200)}` };
}

interface Link {
  text: string;
  code?: number;
  details?: string;
}

/** The error and its causes (the SDK wraps: ServiceError "Failed to connect to Temporal server", cause: the gRPC error). */
function causes(err: unknown): Link[] {
  const links: Link[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const e = current as { message?: unknown; code?: unknown; details?: unknown; cause?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(current);
    links.push({
      text: message.replace(/\s+/g, ' '),
      code: typeof e.code === 'number' ? e.code : undefined,
      details: typeof e.details === 'string' ? e.details : undefined,
    });
    current = e.cause;
  }
  return links;
}

/** What the server said: grpc-js's `details`, or the Rust core's `message: "..."`. */
function serverMessage(chain: Link[]): string {
  for (const link of chain) {
    if (link.details) return link.details;
    const quoted = /message: "((?:[^"\\]|\\.)*)"/.exec(link.text);
    if (quoted?.[1] !== undefined) return quoted[1];
  }
  return (chain.at(-1)?.text ?? '').replace(/^\d+ [A-Z_]+: /, '');
}

/** Why a TLS handshake failed, in words with the setting to look at; undefined when the error is not about TLS. */
function tlsReason(text: string, target: ConnectTarget): string | undefined {
  const tlsOff = 'TEMPORAL_TLS=false, or tls.disabled = true in the profile';
  if (/wrong version number|InvalidContentType|packet length too long|unknown protocol|http request/i.test(text)) {
    const why = target.credentials?.apiKey !== undefined ? ' (an API key turns TLS on unless it is turned off)' : '';
    return `the server does not answer TLS: a plaintext server, such as the dev server? Then turn TLS off${why}: ${tlsOff}`;
  }
  if (/certificate required|CertificateRequired|bad certificate|BadCertificate|unknown ca\b|UnknownCA|certificate unknown|alert handshake failure/i.test(text)) {
    return "the server refused this process's client certificate, or wanted one (mTLS: tls.client_cert_path and tls.client_key_path, or TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)";
  }
  if (/expired|NotValidYet|CERT_NOT_YET_VALID/i.test(text)) return "the server's certificate has expired or is not valid yet";
  if (/altnames|ERR_TLS_CERT_ALTNAME|NotValidForName|does not match certificate/i.test(text)) {
    return "the server's certificate is not issued to the name checked: set tls.server_name (or TEMPORAL_TLS_SERVER_NAME) to a name it is issued to";
  }
  if (/unable to verify|self[- ]signed|UnknownIssuer|local issuer|certificate verify failed|UNABLE_TO_VERIFY|DEPTH_ZERO/i.test(text)) {
    return "the server's certificate is not signed by a CA this process trusts: set tls.server_ca_cert_path (or TEMPORAL_TLS_SERVER_CA_CERT_PATH) to its CA";
  }
  // TLS 1.3 ends the handshake before the server has checked the client's certificate: a refusal can arrive as
  // the connection closing on the first call instead of as an alert.
  if (target.credentials?.tls && /ECONNRESET|ConnectionReset|broken pipe|EPIPE|socket hang up/i.test(text)) {
    return 'the server closed the connection during or just after the handshake, as an mTLS server does when it wants a client certificate it did not get or does not accept (tls.client_cert_path and tls.client_key_path)';
  }
  if (/SSL routines|\bTLS\b|rustls|InvalidCertificate|handshake|fatal alert/i.test(text)) {
    const openssl = /SSL routines:[^:]*:([^:]+)/.exec(text)?.[1];
    return openssl ?? clip(/Last error: (.*?)(\. Resolution note|$)/.exec(text)?.[1] ?? text, 160);
  }
  return undefined;
}

/** Why nothing answered, when the error says; '' when it is plainly unreachable but says no more. */
function unreachableReason(text: string): string | undefined {
  if (/ECONNREFUSED|ConnectionRefused|Connection refused/i.test(text)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN|dns error|failed to lookup address|Name or service not known/i.test(text)) return 'no such host';
  if (/EHOSTUNREACH|ENETUNREACH|HostUnreachable|NetworkUnreachable/i.test(text)) return 'no route to the host';
  if (/ECONNRESET|ConnectionReset|broken pipe|EPIPE/i.test(text)) return 'the connection was closed (a TLS server answering a plaintext client looks like this)';
  if (/ETIMEDOUT|timed out|Failed to connect before the deadline|Deadline exceeded|DEADLINE_EXCEEDED/i.test(text)) return 'no answer in time';
  if (/No connection established|tcp connect error|transport error|Invalid target|Failed to connect|Name resolution failed|invalid.*(uri|address)/i.test(text)) return '';
  return undefined;
}

/**
 * A gRPC endpoint on loopback that answers every Temporal call the way a server in front of Temporal does when it
 * checks credentials (Temporal Cloud, an auth proxy): with a status of our choosing, or with an empty OK (a valid
 * empty protobuf message: `list` sees no runs). Plaintext or TLS, optionally requiring a client certificate. It
 * stands in for what the dev server cannot do (refuse an API key, require mTLS); the errors clients get from it are
 * the SDK's real ones, from its real gRPC stacks.
 */
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface FakeTemporalOptions {
  /** Serve TLS with this certificate; `ca` + `requireClientCert`: mTLS. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer; requireClientCert?: boolean };
  /** The status for a call, from its headers (`authorization`, ...): undefined answers OK. */
  answer?: (headers: http2.IncomingHttpHeaders) => { code: number; message: string } | undefined;
}

export interface FakeTemporal {
  address: string;
  /** Every call's `authorization` header, as received. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

export async function startFakeTemporal(opts: FakeTemporalOptions = {}): Promise<FakeTemporal> {
  const authorizations: (string | undefined)[] = [];
  const server = opts.tls
    ? http2.createSecureServer({
        cert: opts.tls.cert,
        key: opts.tls.key,
        ...(opts.tls.ca ? { ca: opts.tls.ca } : {}),
        ...(opts.tls.requireClientCert ? { requestCert: true, rejectUnauthorized: true } : {}),
      })
    : http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const authorization = headers.authorization;
    authorizations.push(typeof authorization === 'string' ? authorization : undefined);
    const refusal = opts.answer?.(headers);
    if (refusal) {
      // Trailers-only: how a gRPC server answers a call it refuses before reading it.
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(refusal.code), 'grpc-message': grpcMessage(refusal.message) },
        { endStream: true },
      );
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    // One message frame: not compressed, length 0 (every field at its default).
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
  });
  server.on('sessionError', () => undefined);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** gRPC's percent-encoding of a status message: printable ASCII but `%` stays as it is. */
function grpcMessage(text: string): string {
  return text.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));
}

/** gRPC status codes the tests use. */
export const GRPC = { NOT_FOUND: 5, PERMISSION_DENIED: 7, UNAUTHENTICATED: 16 } as const;

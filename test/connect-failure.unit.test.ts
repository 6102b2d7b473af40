/**
 * Why a connection failed, from the errors the SDK's two gRPC stacks really give: grpc-js (clients, the CLI's probe)
 * and the Rust core (workers). Made live where the jest process can make them (a closed port, a plaintext endpoint
 * spoken to with TLS, an endpoint refusing credentials); the TLS failures that need a certificate authority are the
 * exact errors recorded from real runs (test/connecting.test.ts makes them live through the built CLI).
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { TemporalCredentials } from '../common/temporal-credentials';
import { probeTemporal } from '../connection/client-connection';
import { classifyConnectFailure, type ConnectFailureKind } from '../connection/connect-failure';
import { clientConnectionOptions, workerConnectionOptions, type ConnectTarget } from '../connection/connect-options';
import { openWorkerConnection } from '../connection/worker-connection';
import { getFreePort } from '../temporal-config/dev-server';
import { GRPC, startFakeTemporal, type FakeTemporal } from './helpers/fake-temporal';

const KEY = `key-${Math.random().toString(36).slice(2)}-made-up`;

/** What a client and a worker get from `target`: grpc-js's error (one plain call, as the probe makes) and the core's. */
async function clientError(target: ConnectTarget): Promise<unknown> {
  const connection = Connection.lazy({ ...clientConnectionOptions(target, 3_000), interceptors: [] });
  try {
    await connection.withDeadline(Date.now() + 3_000, () => connection.workflowService.describeNamespace({ namespace: target.namespace }));
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await connection.close();
  }
}

async function workerError(target: ConnectTarget): Promise<unknown> {
  try {
    await (await NativeConnection.connect(workerConnectionOptions(target))).close();
    return undefined;
  } catch (err) {
    return err;
  }
}

const plainOk: { server?: FakeTemporal } = {};
const refusing: Record<'unauthenticated' | 'denied' | 'noNamespace', FakeTemporal | undefined> = { unauthenticated: undefined, denied: undefined, noNamespace: undefined };

beforeAll(async () => {
  plainOk.server = await startFakeTemporal();
  // It echoes what it was sent, as some proxies do: our message must not.
  refusing.unauthenticated = await startFakeTemporal({ answer: (h) => ({ code: GRPC.UNAUTHENTICATED, message: `invalid API key: ${String(h.authorization)}` }) });
  refusing.denied = await startFakeTemporal({ answer: () => ({ code: GRPC.PERMISSION_DENIED, message: 'Request unauthorized.' }) });
  refusing.noNamespace = await startFakeTemporal({
    answer: (h) => (String(h[':path']).endsWith('/DescribeNamespace') ? { code: GRPC.NOT_FOUND, message: 'Namespace agents is not found.' } : undefined),
  });
});

afterAll(async () => {
  await Promise.all([plainOk.server, ...Object.values(refusing)].map((s) => s?.close()));
});

const withKey = new TemporalCredentials({ tls: false, apiKey: KEY });

interface LiveCase {
  name: string;
  target: () => Promise<ConnectTarget>;
  kind: ConnectFailureKind;
  message: RegExp;
}

const live: LiveCase[] = [
  {
    name: 'nothing listens on the port',
    target: async () => ({ address: `127.0.0.1:${await getFreePort()}`, namespace: 'default' }),
    kind: 'unreachable',
    message: /^cannot reach Temporal at 127\.0\.0\.1:\d+: connection refused$/,
  },
  {
    name: 'TLS to a plaintext server',
    target: async () => ({ address: plainOk.server!.address, namespace: 'default', credentials: new TemporalCredentials({ tls: true }) }),
    kind: 'tls',
    message: /^TLS handshake with 127\.0\.0\.1:\d+ failed: the server does not answer TLS: .* TEMPORAL_TLS=false/,
  },
  {
    name: 'an API key (TLS on by itself) to a plaintext server',
    target: async () => ({ address: plainOk.server!.address, namespace: 'default', credentials: new TemporalCredentials({ tls: true, apiKey: KEY }) }),
    kind: 'tls',
    message: /failed: the server does not answer TLS: .*an API key turns TLS on unless it is turned off/,
  },
  {
    name: 'a refused API key',
    target: async () => ({ address: refusing.unauthenticated!.address, namespace: 'default', credentials: withKey }),
    kind: 'unauthenticated',
    message: /^Temporal at 127\.0\.0\.1:\d+ refused the credentials \(UNAUTHENTICATED: invalid API key: Bearer \[redacted\]\); this process sent the API key/,
  },
  {
    name: 'no credentials where some are required',
    target: async () => ({ address: refusing.unauthenticated!.address, namespace: 'default' }),
    kind: 'unauthenticated',
    message: /refused the credentials \(UNAUTHENTICATED: .*\); this process sent no API key$/,
  },
  {
    name: 'valid credentials not allowed in the namespace',
    target: async () => ({ address: refusing.denied!.address, namespace: 'agents', credentials: withKey }),
    kind: 'permission-denied',
    message: /^Temporal at 127\.0\.0\.1:\d+ denied access to namespace "agents" \(PERMISSION_DENIED: Request unauthorized\.\)/,
  },
];

describe.each([
  ['client (grpc-js)', clientError],
  ['worker (Rust core)', workerError],
])('%s: live errors', (_stack, errorOf) => {
  test.each(live)('$name', async ({ target, kind, message }) => {
    const t = await target();
    const err = await errorOf(t);
    expect(err).toBeDefined();
    const failure = classifyConnectFailure(err, t);
    expect(failure).toEqual({ kind, message: expect.stringMatching(message) });
    expect(failure.message).not.toContain(KEY);
    expect(failure.message).not.toContain('\n');
  });
});

test('an unknown namespace (grpc-js, as the probe asks)', async () => {
  const target = { address: refusing.noNamespace!.address, namespace: 'agents' };
  expect(classifyConnectFailure(await clientError(target), target)).toEqual({
    kind: 'namespace-not-found',
    message: `Temporal at ${target.address} has no namespace "agents"`,
  });
});

test('the probe answers undefined for a server that answers, the failure otherwise; openWorkerConnection throws it', async () => {
  expect(await probeTemporal({ address: plainOk.server!.address, namespace: 'default' })).toBeUndefined();
  const target = { address: refusing.unauthenticated!.address, namespace: 'default', credentials: withKey };
  expect((await probeTemporal(target))?.kind).toBe('unauthenticated');
  const err = (await openWorkerConnection(target).catch((e: unknown) => e)) as Error & { kind?: string };
  expect(err.name).toBe('TemporalConnectionError');
  expect(err.kind).toBe('unauthenticated');
  expect(err.message).not.toContain(KEY);
});

/** Recorded from real runs against a TLS server with a throwaway CA (openssl; test/connecting.test.ts). */
const recorded: { name: string; err: unknown; kind: ConnectFailureKind; message: RegExp; credentials?: TemporalCredentials }[] = [
  {
    name: 'grpc-js: the server certificate is from a CA not trusted',
    err: grpcError(14, 'No connection established. Last error: Error: unable to verify the first certificate. Resolution note: '),
    kind: 'tls',
    message: /failed: the server's certificate is not signed by a CA this process trusts: set tls\.server_ca_cert_path/,
  },
  {
    name: 'core: the server certificate is from a CA not trusted',
    err: transportError('tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))'),
    kind: 'tls',
    message: /not signed by a CA this process trusts/,
  },
  {
    name: 'grpc-js: the certificate is for another name',
    err: grpcError(
      14,
      "No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: other.example. is not in the cert's altnames: DNS:localhost, IP Address:127.0.0.1. Resolution note: ",
    ),
    kind: 'tls',
    message: /not issued to the name checked: set tls\.server_name/,
  },
  {
    name: 'core: the certificate is for another name',
    err: transportError(
      'tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(NotValidForNameContext { expected: DnsName("other.example"), presented: ["DnsName(\\"localhost\\")", "IpAddress(127.0.0.1)"] }) }))',
    ),
    kind: 'tls',
    message: /not issued to the name checked/,
  },
  {
    name: 'grpc-js: mTLS server, no client certificate',
    err: grpcError(
      14,
      'No connection established. Last error: 807CCC29BE7F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n (2026-12-02T05:57:23.837Z). Resolution note: ',
    ),
    kind: 'tls',
    message: /refused this process's client certificate, or wanted one \(mTLS: tls\.client_cert_path and tls\.client_key_path/,
  },
  {
    name: 'core: mTLS server, no client certificate',
    err: transportError(
      'Failed to call GetSystemInfo: code: \'Unknown error\', message: "transport error", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: InvalidData, error: "received fatal alert: CertificateRequired" }))',
    ),
    kind: 'tls',
    message: /client certificate, or wanted one/,
  },
  {
    name: 'grpc-js: TLS to the dev server',
    err: grpcError(
      14,
      'No connection established. Last error: Error: 804C8D4FBD7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n. Resolution note: ',
    ),
    kind: 'tls',
    message: /does not answer TLS/,
  },
  {
    name: 'core: TLS to the dev server',
    err: transportError('tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidMessage(InvalidContentType) }))'),
    kind: 'tls',
    message: /does not answer TLS/,
  },
  {
    name: 'core: plaintext to a TLS server',
    err: transportError(
      'Failed to call GetSystemInfo: code: \'Unknown error\', message: "transport error", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: BrokenPipe, error: "stream closed because of a broken pipe" }))',
    ),
    kind: 'unreachable',
    message: /: the connection was closed \(a TLS server answering a plaintext client looks like this\)$/,
  },
  {
    name: 'core: a TLS client whose connection is closed on its first call (TLS 1.3: an mTLS refusal can come this way)',
    err: transportError(
      'Failed to call GetSystemInfo: code: \'Unknown error\', message: "transport error", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: BrokenPipe, error: "stream closed because of a broken pipe" }))',
    ),
    kind: 'tls',
    message: /failed: the server closed the connection during or just after the handshake, as an mTLS server does/,
    credentials: new TemporalCredentials({ tls: true }),
  },
  {
    name: 'grpc-js: waiting for the channel (Connection.connect) says no more than this',
    err: new Error('Failed to connect before the deadline'),
    kind: 'unreachable',
    message: /: no answer in time$/,
  },
  {
    name: 'grpc-js: no such host',
    err: grpcError(14, 'Name resolution failed for target dns:nowhere.invalid:7233'),
    kind: 'unreachable',
    message: /^cannot reach Temporal at/,
  },
  {
    name: 'the client SDK wraps UNAUTHENTICATED from GetSystemInfo (Connection.connect)',
    err: Object.assign(new Error('Failed to connect to Temporal server'), { name: 'ServiceError', cause: grpcError(16, 'Request unauthorized.') }),
    kind: 'unauthenticated',
    message: /UNAUTHENTICATED: Request unauthorized\./,
  },
  {
    name: 'core: PERMISSION_DENIED from GetSystemInfo',
    err: transportError('Failed to call GetSystemInfo: code: \'The caller does not have permission to execute the specified operation\', message: "Request unauthorized."'),
    kind: 'permission-denied',
    message: /PERMISSION_DENIED: Request unauthorized\./,
  },
];

test.each(recorded)('recorded: $name', ({ err, kind, message, credentials }) => {
  const failure = classifyConnectFailure(err, { address: 'temporal.internal:7233', namespace: 'agents', credentials: credentials ?? withKey });
  expect(failure.kind).toBe(kind);
  expect(failure.message).toMatch(message);
  expect(failure.message).not.toContain('\n');
});

test('a server echoing any bearer token, or a gRPC header value, never has it quoted', () => {
  const credentials = new TemporalCredentials({ tls: true, grpcMeta: { 'x-tenant-token': 'tenant-secret-value' } });
  const err = grpcError(16, 'token tenant-secret-value refused; authorization: Bearer someone-elses-token');
  const { message } = classifyConnectFailure(err, { address: 'temporal.internal:7233', namespace: 'agents', credentials });
  expect(message).not.toContain('tenant-secret-value');
  expect(message).not.toContain('someone-elses-token');
  expect(message).toContain('[redacted]');
});

function grpcError(code: number, details: string): Error {
  const names: Record<number, string> = { 14: 'UNAVAILABLE', 16: 'UNAUTHENTICATED' };
  return Object.assign(new Error(`${code} ${names[code] ?? 'UNKNOWN'}: ${details}`), { code, details, metadata: {} });
}

function transportError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TransportError' });
}

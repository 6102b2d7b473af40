/**
 * The built CLI connects the way Temporal users do (docs/connecting.md): a temporal.toml profile, picked by
 * --profile or TEMPORAL_PROFILE, found through TEMPORAL_CONFIG_FILE or the user's config directory; TEMPORAL_* over
 * it; --address and --namespace over both. TLS, mTLS and API keys go through that one path; every bad input is one
 * line and exit 1 with nothing started; the API key is in no output.
 *
 * The dev server speaks plaintext and checks no credentials, so mTLS and API keys are checked against a gRPC
 * endpoint on loopback that requires them (test/helpers/fake-temporal.ts), with a CA made here by openssl.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { configFromEnv } from '../common/config';
import { openWorkerConnection } from '../connection/worker-connection';
import { getFreePort } from '../temporal-config/dev-server';
import { CLI, cliEnv, oneLineError, runCli, type CliResult, type CliTarget } from './helpers/cli-process';
import { startFakeTemporal, GRPC, type FakeTemporal } from './helpers/fake-temporal';
import { startTestServer, type TestServer } from './helpers/local-server';
import { uniqueId } from './helpers/runs';

const run = promisify(execFile);
// Made up at run time: nothing shaped like a key is committed.
const KEY = `made-up-${randomBytes(9).toString('hex')}`;
const SERVER_NAME = 'temporal.test';

let server: TestServer;
let scratch: string;
let closedPort: number;
const taskQueue = uniqueId('connecting');
const children = new Set<ChildProcess>();
const fakes: FakeTemporal[] = [];
let mtls: FakeTemporal;
let keyed: FakeTemporal;
const tls = { ca: '', otherCa: '', clientCert: '', clientKey: '' };

const target = (): CliTarget => ({ address: server.address, namespace: server.namespace, taskQueue, scratch });

/** The CLI with nothing but `env` saying where Temporal is (no TEMPORAL_ADDRESS, no TEMPORAL_NAMESPACE). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(target(), args, { env: { TEMPORAL_ADDRESS: undefined, TEMPORAL_NAMESPACE: undefined, ...env }, children, timeoutMs: 30_000 });
}

function expectOneLine(result: CliResult, message: RegExp): void {
  const line = oneLineError(result);
  if (!line) throw new Error(`expected a one-line error, got exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  expect(result.code).toBe(1);
  expect(line).toMatch(message);
}

function expectListed(result: CliResult): void {
  if (result.code !== 0) throw new Error(`list failed (exit ${result.code}): ${result.stderr}`);
  expect(result.stdout.trim()).toBe('no runs');
  expect(result.stderr).toBe('');
}

let profileCount = 0;
/** A temporal.toml with these profiles (TOML text each), and the environment that points at it. */
function profiles(entries: Record<string, string>): NodeJS.ProcessEnv {
  const file = join(scratch, `temporal-${++profileCount}.toml`);
  writeFileSync(file, Object.entries(entries).map(([name, body]) => `[profile.${name}]\n${body}\n`).join('\n'));
  return { TEMPORAL_CONFIG_FILE: file };
}

const devProfile = () => `address = "${server.address}"\nnamespace = "${server.namespace}"`;

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd, timeout: 30_000 });
}

/** A CA and, signed by it, a server certificate for SERVER_NAME and a client certificate; and an unrelated CA. */
async function makeCerts(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const key = (name: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  for (const ca of ['ca', 'other-ca']) {
    await key(ca);
    await openssl(['req', '-x509', '-new', '-key', `${ca}.key`, '-subj', `/CN=${ca}`, '-days', '2', '-out', `${ca}.pem`], dir);
  }
  for (const [name, ext] of [
    ['server', `basicConstraints=CA:FALSE\nsubjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`],
    ['client', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n'],
  ] as const) {
    await key(name);
    writeFileSync(join(dir, `${name}.ext`), ext);
    await openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`], dir);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
  }
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'durable-agent-connecting-'));
  server = await startTestServer();
  closedPort = await getFreePort();
  const certs = join(scratch, 'tls');
  await makeCerts(certs);
  Object.assign(tls, { ca: join(certs, 'ca.pem'), otherCa: join(certs, 'other-ca.pem'), clientCert: join(certs, 'client.pem'), clientKey: join(certs, 'client.key') });
  const { readFileSync } = await import('node:fs');
  const serverTls = { cert: readFileSync(join(certs, 'server.pem')), key: readFileSync(join(certs, 'server.key')) };
  mtls = await startFakeTemporal({ tls: { ...serverTls, ca: readFileSync(tls.ca), requireClientCert: true } });
  keyed = await startFakeTemporal({
    tls: serverTls,
    // Echoes what it got, as some proxies do: the CLI must not print it.
    answer: (h) => (h.authorization === `Bearer ${KEY}` ? undefined : { code: GRPC.UNAUTHENTICATED, message: `invalid credentials: ${String(h.authorization)}` }),
  });
  fakes.push(mtls, keyed);
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(fakes.map((f) => f.close()));
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 30_000);

describe('a profile points the CLI at the server', () => {
  test('--profile, in the file TEMPORAL_CONFIG_FILE names', async () => {
    expectListed(await cli(['--profile', 'test', 'list'], profiles({ test: devProfile() })));
  });

  test('TEMPORAL_PROFILE, in the file TEMPORAL_CONFIG_FILE names', async () => {
    expectListed(await cli(['list'], { ...profiles({ test: devProfile() }), TEMPORAL_PROFILE: 'test' }));
  });

  test('the "default" profile in the default location (~/.config/temporalio/temporal.toml)', async () => {
    const home = join(scratch, 'home');
    mkdirSync(join(home, '.config', 'temporalio'), { recursive: true });
    writeFileSync(join(home, '.config', 'temporalio', 'temporal.toml'), `[profile.default]\n${devProfile()}\n`);
    expectListed(await cli(['list'], { HOME: home, TEMPORAL_CONFIG_FILE: undefined }));
  });

  test('--profile over TEMPORAL_PROFILE; TEMPORAL_ADDRESS over the profile; --address over TEMPORAL_ADDRESS', async () => {
    const file = profiles({ test: devProfile(), elsewhere: `address = "127.0.0.1:${closedPort}"\nnamespace = "${server.namespace}"` });
    expectListed(await cli(['--profile', 'test', 'list'], { ...file, TEMPORAL_PROFILE: 'elsewhere' }));
    expectOneLine(await cli(['list'], { ...file, TEMPORAL_PROFILE: 'elsewhere' }), new RegExp(`cannot reach Temporal at 127\\.0\\.0\\.1:${closedPort}: connection refused`));
    expectListed(await cli(['--profile', 'elsewhere', 'list'], { ...file, TEMPORAL_ADDRESS: server.address }));
    expectListed(await cli(['--profile', 'elsewhere', '--address', server.address, 'list'], { ...file, TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}` }));
  });

  test("--namespace over the profile's namespace, which the server must have", async () => {
    const file = profiles({ test: `address = "${server.address}"\nnamespace = "no-such-namespace"` });
    expectOneLine(await cli(['--profile', 'test', 'list'], file), new RegExp(`^durable-agent: error: Temporal at ${server.address} has no namespace "no-such-namespace"$`));
    expectListed(await cli(['--profile', 'test', '--namespace', server.namespace, 'list'], file));
  });
});

describe('bad input: one line, exit 1, nothing started', () => {
  test.each([['list'], ['worker']])('an unknown profile (%s)', async (command) => {
    const file = profiles({ test: devProfile() });
    expectOneLine(await cli(['--profile', 'prod', command], file), /^durable-agent: error: Temporal profile "prod" \(--profile\) is not in .*temporal-\d+\.toml \(it has "test"\)$/);
    expectOneLine(await cli([command], { ...file, TEMPORAL_PROFILE: 'prod' }), /Temporal profile "prod" \(TEMPORAL_PROFILE\) is not in /);
  });

  test.each([['list'], ['worker']])('a certificate file that is not there (%s)', async (command) => {
    const file = profiles({ test: devProfile(), 'test.tls': `server_ca_cert_path = "${join(scratch, 'nope', 'ca.pem')}"` });
    expectOneLine(await cli(['--profile', 'test', command], file), /^durable-agent: error: cannot read .*\/nope\/ca\.pem \(tls\.server_ca_cert_path in profile "test" of .*\): no such file$/);
    expectOneLine(await cli([command], { TEMPORAL_ADDRESS: server.address, TEMPORAL_TLS_CLIENT_CERT_PATH: tls.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: join(scratch, 'nope.key') }), /cannot read .*nope\.key \(TEMPORAL_TLS_CLIENT_KEY_PATH\): no such file$/);
  });

  test('a CA file that is not PEM', async () => {
    const notPem = join(scratch, 'ca.der');
    writeFileSync(notPem, randomBytes(64));
    expectOneLine(await cli(['list'], { TEMPORAL_ADDRESS: server.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: notPem }), /ca\.der \(TEMPORAL_TLS_SERVER_CA_CERT_PATH\) is not a PEM certificate/);
  });

  test('a malformed profile file', async () => {
    const file = join(scratch, 'malformed.toml');
    writeFileSync(file, '[profile.test\naddress = 1\n');
    expectOneLine(await cli(['list'], { TEMPORAL_CONFIG_FILE: file }), /the Temporal profile file .*malformed\.toml is not valid TOML: .*\(line 1, column \d+\)$/);
  });

  test.each([['list'], ['worker']])("TLS to the dev server's plaintext port: a handshake failure, not a missing server (%s)", async (command) => {
    expectOneLine(await cli([command], { TEMPORAL_ADDRESS: server.address, TEMPORAL_TLS: 'true' }), new RegExp(`^durable-agent: error: TLS handshake with ${server.address} failed: the server does not answer TLS`));
    // An API key turns TLS on by itself (Temporal's rule), and the line says so.
    expectOneLine(await cli([command], { TEMPORAL_ADDRESS: server.address, TEMPORAL_API_KEY: KEY }), /failed: the server does not answer TLS.*an API key turns TLS on/);
  });
});

describe('mTLS through a profile (tls.client_cert_path, client_key_path, server_ca_cert_path, server_name)', () => {
  const mtlsProfile = (extra = '') =>
    profiles({
      cluster: `address = "${mtls.address}"\nnamespace = "default"`,
      'cluster.tls': `server_name = "${SERVER_NAME}"\nserver_ca_cert_path = "${tls.ca}"\n${extra}`,
    });

  test('connects', async () => {
    const file = mtlsProfile(`client_cert_path = "${tls.clientCert}"\nclient_key_path = "${tls.clientKey}"`);
    expectListed(await cli(['--profile', 'cluster', 'list'], file));
  });

  test("a worker's connection (the SDK's Rust core) with the same profile", async () => {
    const profileOnly = { TEMPORAL_ADDRESS: undefined, TEMPORAL_NAMESPACE: undefined, TEMPORAL_PROFILE: 'cluster' };
    const config = configFromEnv(cliEnv(target(), { ...mtlsProfile(`client_cert_path = "${tls.clientCert}"\nclient_key_path = "${tls.clientKey}"`), ...profileOnly }));
    expect(config.connection.address).toBe(mtls.address);
    expect(config.connection.credentials?.describe()).toBe(`TLS (server CA, client certificate, server name ${SERVER_NAME})`);
    await (await openWorkerConnection(config.connection)).close();
    const without = configFromEnv(cliEnv(target(), { ...mtlsProfile(), ...profileOnly }));
    await expect(openWorkerConnection(without.connection)).rejects.toMatchObject({ name: 'TemporalConnectionError', kind: 'tls' });
  });

  test('without a client certificate: the server wanted one', async () => {
    expectOneLine(await cli(['--profile', 'cluster', 'list'], mtlsProfile()), /TLS handshake with .* failed: the server refused this process's client certificate, or wanted one/);
  });

  test("a CA that did not sign the server's certificate; a server name it is not issued to", async () => {
    const base = mtlsProfile(`client_cert_path = "${tls.clientCert}"\nclient_key_path = "${tls.clientKey}"`);
    expectOneLine(await cli(['--profile', 'cluster', 'list'], { ...base, TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.otherCa }), /TLS handshake with .* failed: the server's certificate is not signed by a CA this process trusts/);
    expectOneLine(await cli(['--profile', 'cluster', 'list'], { ...base, TEMPORAL_TLS_SERVER_NAME: 'other.test' }), /TLS handshake with .* failed: the server's certificate is not issued to the name checked/);
  });
});

describe('an API key', () => {
  const keyProfile = (key: string) =>
    profiles({ cloud: `address = "${keyed.address}"\nnamespace = "default"\napi_key = "${key}"`, 'cloud.tls': `server_name = "${SERVER_NAME}"\nserver_ca_cert_path = "${tls.ca}"` });

  test('is sent as a bearer token over TLS', async () => {
    expectListed(await cli(['--profile', 'cloud', 'list'], keyProfile(KEY)));
    expect(keyed.authorizations).toContain(`Bearer ${KEY}`);
  });

  test('refused: UNAUTHENTICATED in one line, without the key the server echoed', async () => {
    const wrong = `${KEY}-revoked`;
    const result = await cli(['--profile', 'cloud', 'list'], keyProfile(wrong));
    expectOneLine(result, /^durable-agent: error: Temporal at 127\.0\.0\.1:\d+ refused the credentials \(UNAUTHENTICATED: invalid credentials: Bearer \[redacted\]\); this process sent the API key/);
    expect(result.stderr).not.toContain(KEY);
  });

  test('is in no output: list --json, an error, DEBUG stacks, the worker start-up and its DEBUG logs', async () => {
    // The dev server checks no key; with TLS off the key is still sent, so every command runs with it.
    const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, TEMPORAL_API_KEY: KEY, TEMPORAL_TLS: 'false' };
    const outputs: string[] = [];
    const listed = await cli(['list', '--json'], env);
    expect(listed.code).toBe(0);
    const shown = await cli(['show', 'ops-nope'], { ...env, DEBUG: '1' });
    expect(shown.code).toBe(1);
    outputs.push(listed.stdout, listed.stderr, shown.stdout, shown.stderr);

    const worker = spawn(process.execPath, [CLI, 'worker', '--log-level', 'DEBUG'], { env: cliEnv(target(), env), cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(worker);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/worker polling[^]*\n {2}traces .*\n/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      worker.stdout.on('data', onData);
      worker.stderr.on('data', onData);
      worker.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
    });
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    children.delete(worker);
    outputs.push(output);
    // It says what it connects with, not with what.
    expect(output).toContain(`at ${server.address} (namespace ${server.namespace}, no TLS, API key)`);
    for (const text of outputs) expect(text).not.toContain(KEY);
  }, 90_000);
});

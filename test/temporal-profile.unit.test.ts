/**
 * Where Temporal is comes from Temporal's own environment configuration: a profile of temporal.toml, the TEMPORAL_*
 * variables over it (Temporal's precedence), then our defaults; the profile option over TEMPORAL_PROFILE. Every bad
 * input is one line naming the file and the setting, found when the configuration loads, before anything connects;
 * no secret is ever in a message or in what the configuration prints as.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { ConfigError, configFromEnv } from '../common/config';
import { CONNECTION_DEFAULTS } from '../common/defaults';
import { clientConnectionOptions, workerConnectionOptions } from '../connection/connect-options';
import { loadTemporalProfile, profileFile } from '../connection/temporal-profile';

const dir = mkdtempSync(join(tmpdir(), 'durable-agent-profile-'));
// Made up at run time: nothing shaped like a key is committed.
const KEY = `made-up-${Math.random().toString(36).slice(2)}-key`;
const CERT = join(__dirname, 'fixtures', 'tls', 'client-cert.pem');
const OTHER_KEY = file('other.key', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const PROFILES = file(
  'temporal.toml',
  `
[profile.default]
address = "file-default.internal:7233"
namespace = "file-default-ns"

[profile.prod]
address = "file-prod.internal:7233"
namespace = "prod-ns"
api_key = "${KEY}"

[profile.prod.tls]
server_name = "file-name.internal"

[profile.only-address]
address = "only-address.internal:7233"
`,
);

describe('precedence: the profile option, then TEMPORAL_PROFILE, picks the profile; TEMPORAL_* over it; our defaults under it', () => {
  test.each([
    ['nothing set: our defaults (the dev server)', {}, {}, CONNECTION_DEFAULTS.address, CONNECTION_DEFAULTS.namespace],
    ['a profile file: its "default" profile', { TEMPORAL_CONFIG_FILE: PROFILES }, {}, 'file-default.internal:7233', 'file-default-ns'],
    ['TEMPORAL_PROFILE picks another', { TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_PROFILE: 'prod' }, {}, 'file-prod.internal:7233', 'prod-ns'],
    ['the profile option over TEMPORAL_PROFILE', { TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_PROFILE: 'prod' }, { profile: 'default' }, 'file-default.internal:7233', 'file-default-ns'],
    ['TEMPORAL_ADDRESS over the profile', { TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_PROFILE: 'prod', TEMPORAL_ADDRESS: 'env.internal:7233' }, {}, 'env.internal:7233', 'prod-ns'],
    ['TEMPORAL_NAMESPACE over the profile', { TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_NAMESPACE: 'env-ns' }, {}, 'file-default.internal:7233', 'env-ns'],
    ['what the profile leaves unset: our default', { TEMPORAL_CONFIG_FILE: PROFILES }, { profile: 'only-address' }, 'only-address.internal:7233', CONNECTION_DEFAULTS.namespace],
    ['blank is unset', { TEMPORAL_ADDRESS: '  ', TEMPORAL_NAMESPACE: '', TEMPORAL_PROFILE: ' ', TEMPORAL_API_KEY: '' }, {}, CONNECTION_DEFAULTS.address, CONNECTION_DEFAULTS.namespace],
    ['an empty profile file (no [profile] table) is no profile', { TEMPORAL_CONFIG_FILE: devNull, TEMPORAL_ADDRESS: 'env.internal:7233' }, {}, 'env.internal:7233', CONNECTION_DEFAULTS.namespace],
  ])('%s', (_name, env, opts, address, namespace) => {
    const { connection } = configFromEnv(env, opts);
    expect(connection).toMatchObject({ address, namespace });
  });

  test('with nothing but the environment, the settings are what they were before profiles (no credentials field)', () => {
    expect(configFromEnv({}).connection).toStrictEqual({
      address: CONNECTION_DEFAULTS.address,
      namespace: CONNECTION_DEFAULTS.namespace,
      taskQueue: CONNECTION_DEFAULTS.taskQueue,
      uiUrl: CONNECTION_DEFAULTS.uiUrl,
    });
  });

  test.each([
    ['HOME', (home: string) => ({ HOME: home }), (home: string) => join(home, '.config', 'temporalio', 'temporal.toml')],
    ['XDG_CONFIG_HOME', (home: string) => ({ HOME: '/nonexistent', XDG_CONFIG_HOME: join(home, 'xdg') }), (home: string) => join(home, 'xdg', 'temporalio', 'temporal.toml')],
  ])('the default file location (through %s) is where Temporal reads it', (_via, envOf, pathOf) => {
    const home = mkdtempSync(join(dir, 'home-'));
    const path = pathOf(home);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '[profile.default]\naddress = "from-home.internal:7233"\n');
    const env = envOf(home);
    expect(profileFile(env)?.path).toBe(path);
    expect(loadClientConnectConfig({ overrideEnvVars: env }).connectionOptions.address).toBe('from-home.internal:7233');
    expect(configFromEnv(env).connection.address).toBe('from-home.internal:7233');
  });
});

describe('credentials', () => {
  test("a profile's API key turns TLS on (Temporal's rule); the env's TLS settings merge over the profile's", () => {
    const { credentials } = configFromEnv({ TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_PROFILE: 'prod', TEMPORAL_TLS_SERVER_NAME: 'env-name.internal' }).connection;
    expect(credentials?.apiKey).toBe(KEY);
    expect(credentials?.tls).toEqual({ serverNameOverride: 'env-name.internal', serverRootCACertificate: undefined, clientCertPair: undefined });
    expect(credentials?.describe()).toBe('TLS (server name env-name.internal), API key');
  });

  test('TEMPORAL_TLS=false keeps an API key on plaintext, and the SDK is told so (it would turn TLS on by itself)', () => {
    const { connection } = configFromEnv({ TEMPORAL_API_KEY: KEY, TEMPORAL_TLS: 'false' });
    expect(connection.credentials?.tls).toBe(false);
    expect(clientConnectionOptions(connection)).toMatchObject({ tls: false, apiKey: KEY });
    expect(workerConnectionOptions(connection)).toMatchObject({ tls: false, apiKey: KEY });
  });

  test('gRPC headers from TEMPORAL_GRPC_META_*; TEMPORAL_TLS=true alone is TLS with the system CAs', () => {
    const { connection } = configFromEnv({ TEMPORAL_GRPC_META_X_TENANT: 'acme', TEMPORAL_TLS: 'true' });
    expect(connection.credentials?.grpcMeta).toEqual({ 'x-tenant': 'acme' });
    expect(clientConnectionOptions(connection).metadata).toEqual({ 'x-tenant': 'acme' });
    expect(connection.credentials?.describe()).toBe('TLS, gRPC headers x-tenant');
  });

  test('an API override replaces the credentials, as it replaces the address', () => {
    const config = configFromEnv({ TEMPORAL_API_KEY: KEY });
    const settings = { ...config.connection, address: '127.0.0.1:7233', credentials: undefined };
    expect(clientConnectionOptions(settings)).toEqual({ address: '127.0.0.1:7233', connectTimeout: CONNECTION_DEFAULTS.connectTimeoutMs });
  });

  test('the API key and header values are in no printed form of the configuration', () => {
    const config = configFromEnv({ TEMPORAL_API_KEY: KEY, TEMPORAL_GRPC_META_AUTHORIZATION_TOKEN: `${KEY}-header` });
    for (const printed of [
      JSON.stringify(config),
      JSON.stringify({ ...config.connection }),
      inspect(config, { depth: 20, showHidden: true }),
      `${String(config.connection.credentials)}`,
      String(Object.entries(config.connection)),
    ]) {
      expect(printed).not.toContain(KEY);
    }
    expect(JSON.stringify(config.connection)).toContain('"credentials":"TLS, API key, gRPC headers authorization-token"');
  });
});

const BAD = {
  missingCa: file('missing-ca.toml', '[profile.bad]\naddress = "t.internal:7233"\n[profile.bad.tls]\nserver_ca_cert_path = "/nonexistent/ca.pem"\n'),
  notPem: file('not-pem.toml', `[profile.bad]\n[profile.bad.tls]\nserver_ca_cert_path = "${file('ca.der', 'this is no certificate')}"\n`),
  brokenPem: file('broken-pem.toml', `[profile.bad]\n[profile.bad.tls]\nserver_ca_cert_path = "${file('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')}"\n`),
  certOnly: file('cert-only.toml', `[profile.bad]\n[profile.bad.tls]\nclient_cert_path = "${CERT}"\n`),
  keyOnly: file('key-only.toml', `[profile.bad]\n[profile.bad.tls]\nclient_key_path = "${OTHER_KEY}"\n`),
  mismatch: file('mismatch.toml', `[profile.bad]\n[profile.bad.tls]\nclient_cert_path = "${CERT}"\nclient_key_path = "${OTHER_KEY}"\n`),
  both: file('both.toml', `[profile.bad]\n[profile.bad.tls]\nclient_cert_path = "${CERT}"\nclient_cert_data = """\n${readFileSync(CERT, 'utf8')}"""\n`),
  address: file('address.toml', '[profile.bad]\naddress = "nohost"\n'),
  malformed: file('malformed.toml', '[profile.default\naddress = "x:1"\n'),
};

describe('bad input: one line naming the file and the setting, before anything connects', () => {
  const emptyHome = mkdtempSync(join(dir, 'empty-home-'));
  test.each<[string, Record<string, string>, { profile?: string; profileFrom?: string }, RegExp]>([
    ['an unknown TEMPORAL_PROFILE', { TEMPORAL_CONFIG_FILE: PROFILES, TEMPORAL_PROFILE: 'staging' }, {}, /^Temporal profile "staging" \(TEMPORAL_PROFILE\) is not in .*temporal\.toml \(it has "default", "prod", "only-address"\)$/],
    ['an unknown --profile', { TEMPORAL_CONFIG_FILE: PROFILES }, { profile: 'staging', profileFrom: '--profile' }, /^Temporal profile "staging" \(--profile\) is not in /],
    ['a profile, and no profile file', { HOME: emptyHome, TEMPORAL_PROFILE: 'prod' }, {}, /^Temporal profile "prod" \(TEMPORAL_PROFILE\) is not defined: there is no profile file at .*empty-home-.*\/\.config\/temporalio\/temporal\.toml \(set TEMPORAL_CONFIG_FILE\)$/],
    ['a profile, and an empty profile file', { TEMPORAL_CONFIG_FILE: devNull, TEMPORAL_PROFILE: 'prod' }, {}, /^Temporal profile "prod" \(TEMPORAL_PROFILE\) is not in \/dev\/null \(it has no profiles\)$/],
    ['a blank --profile', {}, { profile: ' ', profileFrom: '--profile' }, /^--profile must name a profile/],
    ['TEMPORAL_CONFIG_FILE naming no file', { TEMPORAL_CONFIG_FILE: join(dir, 'none.toml') }, {}, /^TEMPORAL_CONFIG_FILE names .*none\.toml, which does not exist$/],
    ['an unreadable profile file', { TEMPORAL_CONFIG_FILE: dir }, {}, /^cannot read the Temporal profile file .* \(TEMPORAL_CONFIG_FILE\): it is a directory \(EISDIR\)$/],
    ['a malformed profile file', { TEMPORAL_CONFIG_FILE: BAD.malformed }, {}, /^the Temporal profile file .*malformed\.toml is not valid TOML: .* \(line 1, column \d+\)$/],
    ['a missing CA file (profile)', { TEMPORAL_CONFIG_FILE: BAD.missingCa, TEMPORAL_PROFILE: 'bad' }, {}, /^cannot read \/nonexistent\/ca\.pem \(tls\.server_ca_cert_path in profile "bad" of .*missing-ca\.toml\): no such file$/],
    ['a missing CA file (env)', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' }, {}, /^cannot read \/nonexistent\/ca\.pem \(TEMPORAL_TLS_SERVER_CA_CERT_PATH\): no such file$/],
    ['a missing client key file (env)', { TEMPORAL_TLS_CLIENT_CERT_PATH: CERT, TEMPORAL_TLS_CLIENT_KEY_PATH: '/nonexistent/client.key' }, {}, /^cannot read \/nonexistent\/client\.key \(TEMPORAL_TLS_CLIENT_KEY_PATH\): no such file$/],
    ['a CA file that is not PEM', { TEMPORAL_CONFIG_FILE: BAD.notPem, TEMPORAL_PROFILE: 'bad' }, {}, /ca\.der \(tls\.server_ca_cert_path in profile "bad" of .*\) is not a PEM certificate \(no "-----BEGIN CERTIFICATE-----" line\)$/],
    ['a CA file that is broken PEM', { TEMPORAL_CONFIG_FILE: BAD.brokenPem, TEMPORAL_PROFILE: 'bad' }, {}, /broken\.pem \(tls\.server_ca_cert_path in profile "bad" of .*\) is not a valid PEM certificate: /],
    ['a client key given as data that is not PEM', { TEMPORAL_TLS_CLIENT_KEY_DATA: KEY }, {}, /^TEMPORAL_TLS_CLIENT_KEY_DATA is not a PEM private key/],
    ['a client certificate without its key', { TEMPORAL_CONFIG_FILE: BAD.certOnly, TEMPORAL_PROFILE: 'bad' }, {}, /client-cert\.pem \(tls\.client_cert_path in profile "bad" of .*\) is a client certificate without its key: set tls\.client_key_path/],
    ['a client key without its certificate', { TEMPORAL_CONFIG_FILE: BAD.keyOnly, TEMPORAL_PROFILE: 'bad' }, {}, /other\.key \(tls\.client_key_path in profile "bad" of .*\) is a client key without its certificate/],
    ['a client key that is not the certificate\'s', { TEMPORAL_CONFIG_FILE: BAD.mismatch, TEMPORAL_PROFILE: 'bad' }, {}, /other\.key \(tls\.client_key_path .*\) is not the key of the client certificate .*client-cert\.pem/],
    ['a certificate given both as a path and as data', { TEMPORAL_CONFIG_FILE: BAD.both, TEMPORAL_PROFILE: 'bad' }, {}, /^cannot use the Temporal profile file .*both\.toml: Cannot specify both client_cert_path and client_cert_data$/],
    ["a profile's address that is not host:port", { TEMPORAL_CONFIG_FILE: BAD.address, TEMPORAL_PROFILE: 'bad' }, {}, /^address in profile "bad" of .*address\.toml must be host:port with a port from 1 to 65535 \(got "nohost"\)$/],
    ['TEMPORAL_ADDRESS that is not host:port (named as before)', { TEMPORAL_ADDRESS: 'localhost' }, {}, /^TEMPORAL_ADDRESS must be host:port with a port from 1 to 65535 \(got "localhost"\)$/],
  ])('%s', (_name, env, opts, message) => {
    let error: unknown;
    try {
      loadTemporalProfile(env, opts);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
    expect(text).not.toContain(KEY);
    // configFromEnv is the same check, at the same moment.
    expect(() => configFromEnv(env, opts)).toThrow(text);
  });
});

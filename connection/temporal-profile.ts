/**
 * Where Temporal is and how to prove ourselves to it, read exactly as the `temporal` CLI and every Temporal SDK
 * read it (@temporalio/envconfig): a profile of `temporal.toml` (TEMPORAL_CONFIG_FILE, else the user's config
 * directory: ~/.config/temporalio/temporal.toml on Linux), the one named by the caller (`--profile`), else by
 * TEMPORAL_PROFILE, else "default"; then TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*
 * and TEMPORAL_GRPC_META_* over it. Temporal's reader decides the precedence; this module adds the checks.
 *
 * The one place the configuration touches the file system: the profile file and the certificates and key it
 * names are read here, once, when a process edge loads its configuration (common/config.ts calls this, and keeps
 * no I/O of its own). Everything is checked before anything connects, so a missing or unreadable file, a file that
 * is not PEM, a client certificate without its key, a malformed profile file or an unknown profile stops the
 * process with one line naming the file and the setting. No message quotes a key, a certificate or a header value.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadClientConfig, loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ClientConfigTLS } from '@temporalio/envconfig';
import { ConfigError } from '../common/config-error';
import { isHostPort } from '../common/port';
import { TemporalCredentials } from '../common/temporal-credentials';
import { clip } from '../common/text';

type Env = Readonly<Record<string, string | undefined>>;

/** What Temporal's configuration says; unset fields fall back to our defaults (common/defaults.ts). */
export interface TemporalProfile {
  address?: string;
  namespace?: string;
  /** TLS, API key, gRPC headers; undefined when none is set (plaintext, as to a dev server). */
  credentials?: TemporalCredentials;
}

export interface TemporalProfileOptions {
  /** The profile to use, over TEMPORAL_PROFILE (the CLI's `--profile`). */
  profile?: string;
  /** How messages name `profile`'s origin. Default "the profile option". */
  profileFrom?: string;
}

/**
 * Blank is unset for these, as for every variable durable-agent reads. Temporal's reader would take an exported-empty
 * TEMPORAL_API_KEY as a key (and turn TLS on for it), or TEMPORAL_PROFILE="" as a profile named "". The gRPC header
 * variables keep their meaning: set empty, they remove a header the profile sets.
 */
const BLANK_IS_UNSET = /^TEMPORAL_(PROFILE|CONFIG_FILE|ADDRESS|NAMESPACE|API_KEY|TLS|TLS_[A-Z_]+)$/;

/**
 * Reads and checks the profile and the files it names. Throws a one-line `ConfigError`.
 *
 * @example
 * loadTemporalProfile({ TEMPORAL_CONFIG_FILE: '/etc/temporal.toml', TEMPORAL_PROFILE: 'prod' }).address;
 * loadTemporalProfile(process.env, { profile: 'staging', profileFrom: '--profile' });
 */
export function loadTemporalProfile(env: Env = process.env, opts: TemporalProfileOptions = {}): TemporalProfile {
  const vars = envconfigVars(env);
  const file = profileFile(vars);
  const chosen = chosenProfile(vars, opts);
  // Temporal's reader treats a missing file as an empty one; a file named on purpose and missing is a typo to report.
  if (vars.TEMPORAL_CONFIG_FILE !== undefined && !existsSync(vars.TEMPORAL_CONFIG_FILE)) {
    throw new ConfigError(`TEMPORAL_CONFIG_FILE names ${vars.TEMPORAL_CONFIG_FILE}, which does not exist`);
  }
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ profile: chosen.name, overrideEnvVars: vars });
  } catch (err) {
    if (!hasNoProfileTable(err)) throw profileError(err, { vars, file, chosen });
    // envconfig 1.24.0 fails with a TypeError on a file without a [profile] table (an empty temporal.toml, /dev/null):
    // such a file has no profiles, so only the variables count, as with no file.
    if (chosen.name !== undefined) throw new ConfigError(`Temporal profile "${chosen.name}" (${chosen.from}) is not in ${file?.path ?? 'the profile file'} (it has no profiles)`);
    profile = loadClientConfigProfile({ disableFile: true, overrideEnvVars: vars });
  }
  const where = `profile "${chosen.name ?? 'default'}"${file ? ` of ${file.path}` : ''}`;
  const address = checkedAddress(profile.address, vars.TEMPORAL_ADDRESS !== undefined ? 'TEMPORAL_ADDRESS' : `address in ${where}`);
  if (profile.namespace !== undefined && (typeof profile.namespace !== 'string' || !profile.namespace.trim())) {
    throw new ConfigError(`namespace in ${where} must be a namespace's name (got ${quote(String(profile.namespace))})`);
  }
  const tls = profile.tls && checkedTls(profile.tls, vars, where);
  // Temporal's own mapping: TLS from the profile, or on (system CAs) because an API key is set and TLS is not off.
  const { connectionOptions } = toClientOptions({ ...profile, tls });
  const credentials = new TemporalCredentials({
    tls: connectionOptions.tls ?? undefined,
    apiKey: connectionOptions.apiKey,
    grpcMeta: profile.grpcMeta,
  });
  return { address, namespace: profile.namespace, credentials: credentials.isEmpty ? undefined : credentials };
}

/**
 * The file Temporal's reader looks in: TEMPORAL_CONFIG_FILE, else `<config dir>/temporalio/temporal.toml`. The
 * default path is computed as envconfig-toml.ts's `getDefaultConfigFilePath` computes it (which the package does
 * not export), only to name the file in messages; test/temporal-profile.unit.test.ts checks the two agree.
 */
export function profileFile(vars: Env): { path: string; via: string } | undefined {
  if (vars.TEMPORAL_CONFIG_FILE !== undefined) return { path: vars.TEMPORAL_CONFIG_FILE, via: 'TEMPORAL_CONFIG_FILE' };
  const dir = userConfigDir(vars);
  return dir === undefined ? undefined : { path: path.join(dir, 'temporalio', 'temporal.toml'), via: 'the default location' };
}

function userConfigDir(vars: Env): string | undefined {
  switch (os.platform()) {
    case 'win32':
      return vars.APPDATA || undefined;
    case 'darwin':
      return vars.HOME ? path.join(vars.HOME, 'Library', 'Application Support') : undefined;
    default: {
      const xdg = vars.XDG_CONFIG_HOME;
      if (xdg) return path.isAbsolute(xdg) ? xdg : undefined;
      return vars.HOME ? path.join(vars.HOME, '.config') : undefined;
    }
  }
}

/** The environment as Temporal's reader takes it (string values only), blanks dropped where blank means unset. */
function envconfigVars(env: Env): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (BLANK_IS_UNSET.test(key)) {
      if (value.trim()) vars[key] = value.trim();
    } else {
      vars[key] = value;
    }
  }
  return vars;
}

function chosenProfile(vars: Env, opts: TemporalProfileOptions): { name?: string; from?: string } {
  if (opts.profile !== undefined) {
    const from = opts.profileFrom ?? 'the profile option';
    if (!opts.profile.trim()) throw new ConfigError(`${from} must name a profile of the Temporal profile file`);
    return { name: opts.profile.trim(), from };
  }
  return vars.TEMPORAL_PROFILE === undefined ? {} : { name: vars.TEMPORAL_PROFILE, from: 'TEMPORAL_PROFILE' };
}

function profileError(
  err: unknown,
  ctx: { vars: Record<string, string>; file?: { path: string; via: string }; chosen: { name?: string; from?: string } },
): ConfigError {
  const { file, chosen } = ctx;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && file) {
    return new ConfigError(`cannot read the Temporal profile file ${file.path} (${file.via}): ${errnoWords(code)}`);
  }
  // smol-toml's TomlError keeps name "Error"; its class and its line and column say what it is.
  if (err instanceof Error && (err.constructor.name === 'TomlError' || typeof (err as { line?: unknown }).line === 'number') && file) {
    const { line, column } = err as Error & { line?: number; column?: number };
    const reason = firstLine(message).replace(/^Invalid TOML document:\s*/, '');
    return new ConfigError(`the Temporal profile file ${file.path} is not valid TOML: ${reason}${line ? ` (line ${line}, column ${column})` : ''}`);
  }
  if (/^Profile '.*' not found/.test(message) && chosen.name !== undefined) {
    const named = `Temporal profile "${chosen.name}" (${chosen.from})`;
    if (!file || !existsSync(file.path)) {
      return new ConfigError(`${named} is not defined: there is no profile file${file ? ` at ${file.path}` : ''} (set TEMPORAL_CONFIG_FILE)`);
    }
    const names = Object.keys(loadClientConfig({ overrideEnvVars: ctx.vars }).profiles ?? {});
    return new ConfigError(`${named} is not in ${file.path} (${names.length ? `it has ${names.map((n) => `"${n}"`).join(', ')}` : 'it has no profiles'})`);
  }
  return new ConfigError(`cannot use the Temporal profile${file ? ` file ${file.path}` : ''}: ${firstLine(message)}`);
}

function hasNoProfileTable(err: unknown): boolean {
  return err instanceof TypeError && /Cannot read properties of (undefined|null)/.test(err.message);
}

function checkedAddress(address: unknown, from: string): string | undefined {
  if (address === undefined) return undefined;
  if (typeof address !== 'string' || !isHostPort(address)) {
    throw new ConfigError(`${from} must be host:port with a port from 1 to 65535 (got ${quote(String(address))})`);
  }
  return address;
}

type TlsFile = 'serverCACert' | 'clientCert' | 'clientKey';

/** Each TLS file: its field in Temporal's profile, its settings' names in the file and the environment. */
const TLS_FILES: readonly { field: TlsFile; toml: string; env: string; kind: 'certificate' | 'key' }[] = [
  { field: 'serverCACert', toml: 'server_ca_cert', env: 'TEMPORAL_TLS_SERVER_CA_CERT', kind: 'certificate' },
  { field: 'clientCert', toml: 'client_cert', env: 'TEMPORAL_TLS_CLIENT_CERT', kind: 'certificate' },
  { field: 'clientKey', toml: 'client_key', env: 'TEMPORAL_TLS_CLIENT_KEY', kind: 'key' },
];

/**
 * The profile's TLS with every file read and checked, as data: the SDK would otherwise read them at connect time,
 * fail with a bare ENOENT, and, given a certificate without its key, silently connect without a client certificate.
 */
function checkedTls(tls: ClientConfigTLS, vars: Env, where: string): ClientConfigTLS {
  // Off is off: Temporal's mapping reads none of the files then.
  if (tls.disabled) return tls;
  const loaded: Partial<Record<TlsFile, { bytes: Buffer; what: string }>> = {};
  for (const file of TLS_FILES) {
    const source = tls[file.field];
    if (!source) continue;
    const byPath = 'path' in source;
    const suffix = byPath ? 'path' : 'data';
    const envName = `${file.env}_${suffix.toUpperCase()}`;
    const setting = vars[envName] !== undefined ? envName : `tls.${file.toml}_${suffix} in ${where}`;
    const what = byPath ? `${source.path} (${setting})` : setting;
    const bytes = byPath ? readTlsFile(source.path, setting) : Buffer.from(source.data);
    checkPem(bytes, file.kind, what);
    loaded[file.field] = { bytes, what };
  }
  const { clientCert, clientKey } = loaded;
  if (clientCert && !clientKey) {
    throw new ConfigError(`${clientCert.what} is a client certificate without its key: set tls.client_key_path (or TEMPORAL_TLS_CLIENT_KEY_PATH) too`);
  }
  if (clientKey && !clientCert) {
    throw new ConfigError(`${clientKey.what} is a client key without its certificate: set tls.client_cert_path (or TEMPORAL_TLS_CLIENT_CERT_PATH) too`);
  }
  if (clientCert && clientKey && !new X509Certificate(clientCert.bytes).checkPrivateKey(createPrivateKey(clientKey.bytes))) {
    throw new ConfigError(`${clientKey.what} is not the key of the client certificate ${clientCert.what}`);
  }
  const asData = (field: TlsFile) => (loaded[field] ? { data: loaded[field].bytes } : undefined);
  return { ...tls, serverCACert: asData('serverCACert'), clientCert: asData('clientCert'), clientKey: asData('clientKey') };
}

function readTlsFile(file: string, setting: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`cannot read ${file} (${setting}): ${errnoWords((err as NodeJS.ErrnoException).code)}`);
  }
}

/** PEM, as both of the SDK's TLS stacks need it (grpc-js ignores a CA it cannot parse and trusts none). */
function checkPem(bytes: Buffer, kind: 'certificate' | 'key', what: string): void {
  const text = bytes.toString('latin1');
  if (kind === 'certificate') {
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${what} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`);
    try {
      new X509Certificate(bytes);
    } catch (err) {
      throw new ConfigError(`${what} is not a valid PEM certificate: ${firstLine((err as Error).message)}`);
    }
    return;
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new ConfigError(`${what} is not a PEM private key (no "-----BEGIN PRIVATE KEY-----" line)`);
  try {
    createPrivateKey(bytes);
  } catch (err) {
    // The message is OpenSSL's reason ("bad decrypt", "unsupported"), never the key's bytes.
    throw new ConfigError(`${what} is not a private key this process can use: ${firstLine((err as Error).message)}`);
  }
}

function errnoWords(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EISDIR':
      return 'it is a directory (EISDIR)';
    default:
      return code ?? 'unreadable';
  }
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim())?.trim() ?? text;
}

function quote(value: string): string {
  return JSON.stringify(clip(value, 60, { flatten: false }));
}

/**
 * durable-agent's configuration: one typed object, read from the environment once, at each process edge (the CLI,
 * the worker entry, the soak, the inbox and codec-server commands), and passed into the factories
 * (`createAgentWorker({ config })`, `AgentClient.connect(settings, { config })`). Library code reads no
 * environment variable of its own; a factory given no config reads the environment once, when it is called.
 *
 * Every value is checked here, so a bad one stops the process at start-up with one line that names the variable,
 * says what it got and what would work, instead of failing a model call or a tool call later. Defaults come from
 * common/defaults.ts (docs/tuning.md). No Node built-ins in this file: the values stay as written (a directory is
 * resolved where it is opened, a payload key decoded where it is used). The one exception is where Temporal is and
 * how to reach it: that is Temporal's own environment configuration (a `temporal.toml` profile, then the TEMPORAL_*
 * variables over it), which connection/temporal-profile.ts reads with @temporalio/envconfig, certificates
 * included, when this loads. It lives there so the file reads stay in one module that says so, and so a bad profile
 * fails start-up like any bad variable (docs/connecting.md).
 *
 * | variable | field |
 * |---|---|
 * | TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_*, TEMPORAL_GRPC_META_* (Temporal's) | `connection` |
 * | DURABLE_AGENT_TASK_QUEUE, TEMPORAL_UI_URL | `connection` |
 * | ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, DURABLE_AGENT_MODEL_URL, DURABLE_AGENT_MODEL | `model` |
 * | DURABLE_AGENT_STORE, DURABLE_AGENT_DATA_DIR | `store` |
 * | DURABLE_AGENT_PAYLOAD_KEY, DURABLE_AGENT_PAYLOAD_KEY_ID, DURABLE_AGENT_PAYLOAD_OLD_KEYS | `encryption` |
 * | DURABLE_AGENT_MAX_CONTEXT_BYTES, DURABLE_AGENT_INLINE_RESULT_BYTES, DURABLE_AGENT_OFFLOAD_BYTES | `payloads` |
 * | DURABLE_AGENT_TRACES, OTEL_TRACES_EXPORTER, OTEL_SDK_DISABLED, OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL | `traces` |
 * | DURABLE_AGENT_LOG_REDACT, DURABLE_AGENT_METRICS, DURABLE_AGENT_WORKFLOW_BUNDLE, DURABLE_AGENT_AGENTS, DURABLE_AGENT_PRICES, DEBUG | `worker`, `debug` |
 *
 * @example
 * const config = configFromEnv(); // throws ConfigError: "DURABLE_AGENT_OFFLOAD_BYTES must be ..."
 * const worker = await createAgentWorker({ agents, config });
 */
import { loadTemporalProfile, type TemporalProfileOptions } from '../connection/temporal-profile';
import { ConfigError } from './config-error';
import { CONNECTION_DEFAULTS, PAYLOAD_DEFAULTS } from './defaults';
import { isHostPort } from './port';
import type { TemporalCredentials } from './temporal-credentials';
import { maskUrlPassword } from '../stores/url';
import { clip } from './text';
import { traceDestination, type TraceDestination } from './trace-destination';

export { ConfigError };
export type { TemporalCredentials };

/** Where to find Temporal. Shared by the client, the worker and the CLI so they agree on namespace and task queue. */
export interface ConnectionSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for links to runs. */
  uiUrl: string;
  /**
   * TLS, API key and gRPC headers (the profile's, or TEMPORAL_TLS_*, TEMPORAL_API_KEY, TEMPORAL_GRPC_META_*). Unset:
   * plaintext, as to a dev server. Printed only as what is set, never the values (common/temporal-credentials.ts).
   */
  credentials?: TemporalCredentials;
}

/** Which model a worker talks to (workers/model-client.ts decides from these). */
export interface ModelSettings {
  /** ANTHROPIC_API_KEY: with it (and no scripted URL), the real Messages API. Never printed. */
  apiKey?: string;
  /**
   * ANTHROPIC_BASE_URL: another address for the real API (a proxy, a gateway). The key owner's deliberate choice: the
   * key is sent there. Unset, the key goes to https://api.anthropic.com and nowhere else (workers/model-client.ts).
   */
  anthropicBaseUrl?: string;
  /** DURABLE_AGENT_MODEL_URL: a scripted model server; wins over the key, and never receives it (a placeholder does). */
  scriptedUrl?: string;
  /** DURABLE_AGENT_MODEL: every agent's model replaced by this one (a cheaper model for a staging run). */
  modelOverride?: string;
}

/** The blob store setting, as written (stores/config.ts resolves the directory and opens it). */
export type StoreSetting =
  | { kind: 'default'; dataDir?: string }
  | { kind: 'local'; dir: string; dataDir?: string }
  | { kind: 'postgres'; connectionString: string; dataDir?: string };

/** Payload encryption keys, as written (data-converter/keys-from-env.ts decodes and checks them). */
export interface EncryptionSettings {
  key?: string;
  keyId?: string;
  oldKeys?: string;
}

export interface PayloadSettings {
  /** Requests larger than this get their oldest tool results elided. */
  maxContextBytes: number;
  /** Tool outputs above this travel as references to the store. */
  inlineResultBytes: number;
  /** Payloads above this go to the store (External Storage). */
  offloadBytes: number;
}

export interface WorkerSettings {
  /** DURABLE_AGENT_LOG_REDACT: extra pino paths the JSON logger replaces. */
  logRedact: string[];
  /** DURABLE_AGENT_METRICS: host:port to serve Prometheus metrics on. */
  metrics?: string;
  /** DURABLE_AGENT_WORKFLOW_BUNDLE: a prebuilt workflow bundle's file. */
  workflowBundle?: string;
  /** DURABLE_AGENT_AGENTS: the module exporting the agents. */
  agentsModule?: string;
  /** DURABLE_AGENT_PRICES: per-model prices as JSON (agents/prices.ts parses it). */
  prices?: string;
}

export interface DurableAgentConfig {
  connection: ConnectionSettings;
  model: ModelSettings;
  store: StoreSetting;
  encryption: EncryptionSettings;
  payloads: PayloadSettings;
  traces: TraceDestination;
  worker: WorkerSettings;
  /** DEBUG: stack traces with errors. */
  debug: boolean;
}

export const STORE_ENV = 'DURABLE_AGENT_STORE';
export const DATA_DIR_ENV = 'DURABLE_AGENT_DATA_DIR';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and checks the whole configuration. Throws a `ConfigError` (one line) for the first bad value. `env` is the
 * whole environment, for Temporal's reader too: it finds the default profile file through HOME (or
 * XDG_CONFIG_HOME), so `configFromEnv({})` reads no file. `opts.profile` picks the Temporal profile over
 * TEMPORAL_PROFILE.
 *
 * @example
 * configFromEnv({ TEMPORAL_ADDRESS: 'temporal:7233' }).connection.address; // 'temporal:7233'
 * configFromEnv(process.env, { profile: 'prod' }).connection.credentials?.describe(); // 'TLS (client certificate), ...'
 * configFromEnv({ DURABLE_AGENT_OFFLOAD_BYTES: '64k' }); // ConfigError: DURABLE_AGENT_OFFLOAD_BYTES must be ...
 */
export function configFromEnv(env: Env = process.env, opts: TemporalProfileOptions = {}): DurableAgentConfig {
  let traces: TraceDestination;
  try {
    traces = traceDestination(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const metrics = set(env.DURABLE_AGENT_METRICS);
  if (metrics !== undefined && !isHostPort(metrics)) throw new ConfigError(`DURABLE_AGENT_METRICS must be host:port (got ${quote(metrics)})`);
  return {
    connection: connectionFromEnv(env, opts),
    model: {
      apiKey: set(env.ANTHROPIC_API_KEY),
      anthropicBaseUrl: url('ANTHROPIC_BASE_URL', env.ANTHROPIC_BASE_URL),
      scriptedUrl: url('DURABLE_AGENT_MODEL_URL', env.DURABLE_AGENT_MODEL_URL),
      modelOverride: set(env.DURABLE_AGENT_MODEL),
    },
    store: storeSetting(env),
    encryption: {
      key: set(env.DURABLE_AGENT_PAYLOAD_KEY),
      keyId: set(env.DURABLE_AGENT_PAYLOAD_KEY_ID),
      oldKeys: set(env.DURABLE_AGENT_PAYLOAD_OLD_KEYS),
    },
    payloads: {
      maxContextBytes: bytes(env, 'DURABLE_AGENT_MAX_CONTEXT_BYTES', PAYLOAD_DEFAULTS.maxContextBytes, 1),
      inlineResultBytes: bytes(env, 'DURABLE_AGENT_INLINE_RESULT_BYTES', PAYLOAD_DEFAULTS.inlineResultBytes, 0),
      offloadBytes: bytes(env, 'DURABLE_AGENT_OFFLOAD_BYTES', PAYLOAD_DEFAULTS.offloadBytes, 0),
    },
    traces,
    worker: {
      logRedact: (env.DURABLE_AGENT_LOG_REDACT ?? '').split(',').map((p) => p.trim()).filter(Boolean),
      metrics,
      workflowBundle: set(env.DURABLE_AGENT_WORKFLOW_BUNDLE),
      agentsModule: set(env.DURABLE_AGENT_AGENTS),
      prices: set(env.DURABLE_AGENT_PRICES),
    },
    debug: Boolean(set(env.DEBUG)),
  };
}

/**
 * Where to find Temporal: Temporal's environment configuration (profile file, then TEMPORAL_* over it, in Temporal's
 * precedence: connection/temporal-profile.ts), then the dev server's defaults (common/defaults.ts) for what it
 * leaves unset. The task queue and the UI's address are ours.
 *
 * @example
 * connectionFromEnv({}).address; // '127.0.0.1:7233'
 */
export function connectionFromEnv(env: Env = process.env, opts: TemporalProfileOptions = {}): ConnectionSettings {
  const temporal = loadTemporalProfile(env, opts);
  return {
    address: temporal.address ?? CONNECTION_DEFAULTS.address,
    namespace: temporal.namespace?.trim() || CONNECTION_DEFAULTS.namespace,
    taskQueue: set(env.DURABLE_AGENT_TASK_QUEUE) ?? CONNECTION_DEFAULTS.taskQueue,
    uiUrl: url('TEMPORAL_UI_URL', env.TEMPORAL_UI_URL)?.replace(/\/+$/, '') ?? CONNECTION_DEFAULTS.uiUrl,
    // Omitted rather than undefined: settings compare and print the same as before for a plaintext connection.
    ...(temporal.credentials ? { credentials: temporal.credentials } : {}),
  };
}

/**
 * `DURABLE_AGENT_STORE` (`local:<dir>` or a `postgres://` / `postgresql://` URL) and `DURABLE_AGENT_DATA_DIR`, checked.
 * Errors never show a password.
 */
export function storeSetting(env: Env = process.env): StoreSetting {
  const dataDir = set(env[DATA_DIR_ENV]);
  const value = env[STORE_ENV]?.trim();
  if (!value) return { kind: 'default', dataDir };
  if (value.startsWith('local:')) {
    const dir = value.slice('local:'.length);
    if (!dir) throw new ConfigError(`${STORE_ENV}=local: needs a directory, e.g. local:/var/lib/durable-agent/blobs`);
    return { kind: 'local', dir, dataDir };
  }
  if (/^postgres(ql)?:\/\//i.test(value)) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(`${STORE_ENV} is not a valid PostgreSQL URL: ${maskUrlPassword(value)}`);
    }
    if (!parsed.hostname && !parsed.searchParams.get('host')) {
      throw new ConfigError(`${STORE_ENV} names no host: ${maskUrlPassword(value)} (postgres://user:password@host:5432/database)`);
    }
    return { kind: 'postgres', connectionString: value, dataDir };
  }
  throw new ConfigError(`${STORE_ENV} must be local:<dir> or a postgres:// or postgresql:// URL, got ${JSON.stringify(maskUrlPassword(value))}`);
}

/** The encryption settings in the variables' own names, for the codec's reader (data-converter/keys-from-env.ts). */
export function encryptionEnv(settings: EncryptionSettings): Record<string, string | undefined> {
  return {
    DURABLE_AGENT_PAYLOAD_KEY: settings.key,
    DURABLE_AGENT_PAYLOAD_KEY_ID: settings.keyId,
    DURABLE_AGENT_PAYLOAD_OLD_KEYS: settings.oldKeys,
  };
}

/** Unset and blank are the same: a variable exported empty means "not configured". */
function set(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function url(name: string, value: string | undefined): string | undefined {
  const text = set(value);
  if (text === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ConfigError(`${name} must be an http:// or https:// URL (got ${quote(text)})`);
  }
  return text;
}

function bytes(env: Env, name: string, fallback: number, min: number): number {
  const raw = set(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${name} must be a whole number of bytes${min > 0 ? ` from ${min}` : ''} (e.g. ${fallback}), got ${quote(raw)}`);
  }
  return value;
}

/** A value in an error message: quoted, one line, never long. */
function quote(value: string): string {
  return JSON.stringify(clip(value, 60, { flatten: false }));
}

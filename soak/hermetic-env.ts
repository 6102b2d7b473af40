import { devNull } from 'node:os';

/**
 * The environment for a child process this project starts on purpose (a worker, the CLI, the demo), pointed at the
 * servers its parent chose: the parent's environment without anything a developer's shell may set that would
 * change what the child does, then the caller's overrides.
 */

/**
 * Read by durable-agent (DURABLE_AGENT_STORE, DURABLE_AGENT_PAYLOAD_KEY(S), DURABLE_AGENT_MODEL_URL, ...), by
 * Temporal's SDK and CLI (TEMPORAL_ADDRESS, TEMPORAL_API_KEY, TEMPORAL_PROFILE, ...), by the Anthropic SDK
 * (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL) and by OpenTelemetry (OTEL_EXPORTER_OTLP_ENDPOINT, ...).
 */
const SCRUBBED_PREFIXES = ['DURABLE_AGENT_', 'TEMPORAL_', 'ANTHROPIC_', 'OTEL_'] as const;
/** `DEBUG` makes the CLI print stacks, which tests reading stderr would take for output. */
const SCRUBBED_NAMES = new Set(['DEBUG']);
/** The `temporal` binary the parent provisioned (jest's global setup sets it): a child must not build another. */
const KEPT = new Set(['TEMPORAL_CLI_PATH']);
/**
 * Temporal's reader falls back to the user's own profile file (~/.config/temporalio/temporal.toml, through HOME),
 * whose default profile could point a child at a developer's cloud namespace with TLS. An empty file has no
 * profiles; a caller that wants one names its file in the overrides.
 */
const NO_PROFILE_FILE = { TEMPORAL_CONFIG_FILE: devNull };

/**
 * `base` (default `process.env`) without the variables above and with no Temporal profile file, then `overrides`;
 * an override set to `undefined` removes that variable.
 *
 * @example
 * spawn(process.execPath, [cli, 'worker'], { env: hermeticEnv({ TEMPORAL_ADDRESS: server.address }) });
 */
export function hermeticEnv(overrides: NodeJS.ProcessEnv = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    const scrubbed = SCRUBBED_NAMES.has(key) || SCRUBBED_PREFIXES.some((prefix) => key.startsWith(prefix));
    if (!scrubbed || KEPT.has(key)) env[key] = value;
  }
  for (const [key, value] of Object.entries({ ...NO_PROFILE_FILE, ...overrides })) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

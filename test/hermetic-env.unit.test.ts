/**
 * A child process's environment: nothing from the developer's shell that changes what durable-agent, Temporal, the
 * Anthropic SDK or OpenTelemetry do, then what the test sets.
 */
import { devNull } from 'node:os';
import { hermeticEnv } from './helpers/hermetic-env';

const SHELL: NodeJS.ProcessEnv = {
  PATH: '/usr/bin',
  HOME: '/home/dev',
  DURABLE_AGENT_STORE: 'postgres://dev@db/agent',
  DURABLE_AGENT_PAYLOAD_KEY: 'a2V5',
  DURABLE_AGENT_PAYLOAD_OLD_KEYS: 'k0:b2xk',
  DURABLE_AGENT_MODEL_URL: 'http://127.0.0.1:9999',
  TEMPORAL_ADDRESS: 'prod.tmprl.cloud:7233',
  TEMPORAL_API_KEY: 'secret',
  TEMPORAL_CLI_PATH: '/opt/temporal',
  ANTHROPIC_API_KEY: 'sk-ant-real',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
  DEBUG: '1',
};

test("the shell's durable-agent, Temporal, Anthropic and OpenTelemetry settings are dropped; the rest and the provisioned CLI stay", () => {
  expect(hermeticEnv({}, SHELL)).toEqual({ PATH: '/usr/bin', HOME: '/home/dev', TEMPORAL_CLI_PATH: '/opt/temporal', TEMPORAL_CONFIG_FILE: devNull });
});

test("the user's own Temporal profile file is not read (HOME stays, so Temporal's reader would find it); a test's file is", () => {
  expect(hermeticEnv({}, { ...SHELL, TEMPORAL_CONFIG_FILE: '/home/dev/.config/temporalio/temporal.toml' }).TEMPORAL_CONFIG_FILE).toBe(devNull);
  expect(hermeticEnv({ TEMPORAL_CONFIG_FILE: '/tmp/t/temporal.toml' }, SHELL).TEMPORAL_CONFIG_FILE).toBe('/tmp/t/temporal.toml');
});

test('overrides win, and an undefined override removes a variable', () => {
  const env = hermeticEnv({ TEMPORAL_ADDRESS: '127.0.0.1:7300', DURABLE_AGENT_STORE: 'local:/tmp/b', HOME: undefined }, SHELL);
  expect(env).toEqual({
    PATH: '/usr/bin',
    TEMPORAL_CLI_PATH: '/opt/temporal',
    TEMPORAL_CONFIG_FILE: devNull,
    TEMPORAL_ADDRESS: '127.0.0.1:7300',
    DURABLE_AGENT_STORE: 'local:/tmp/b',
  });
  expect(SHELL.DURABLE_AGENT_STORE).toBe('postgres://dev@db/agent'); // the base is not changed
});

/**
 * The configuration is read once, checked once: a bad value is one line naming the variable, what it got and what
 * would work; defaults are common/defaults.ts's. Ports follow one rule everywhere; one function picks the model.
 */
import { ConfigError, configFromEnv } from '../common/config';
import { CONNECTION_DEFAULTS, PAYLOAD_DEFAULTS } from '../common/defaults';
import { isHostPort, parsePort } from '../common/port';
import { portArgument, portOption } from '../cli/numbers';
import { chooseModel, createModelClient, describeModelChoice } from '../workers/model-client';

describe('configFromEnv', () => {
  test('an empty environment is the defaults', () => {
    const config = configFromEnv({});
    expect(config.connection).toEqual({
      address: CONNECTION_DEFAULTS.address,
      namespace: CONNECTION_DEFAULTS.namespace,
      taskQueue: CONNECTION_DEFAULTS.taskQueue,
      uiUrl: CONNECTION_DEFAULTS.uiUrl,
    });
    expect(config.payloads).toEqual({
      maxContextBytes: PAYLOAD_DEFAULTS.maxContextBytes,
      inlineResultBytes: PAYLOAD_DEFAULTS.inlineResultBytes,
      offloadBytes: PAYLOAD_DEFAULTS.offloadBytes,
    });
    expect(config.store).toEqual({ kind: 'default', dataDir: undefined });
    expect(config.model).toEqual({ apiKey: undefined, anthropicBaseUrl: undefined, scriptedUrl: undefined, modelOverride: undefined });
    expect(config.traces).toEqual({ kind: 'console' });
    expect(config.worker.logRedact).toEqual([]);
    expect(config.debug).toBe(false);
  });

  test('set values are read, blank ones are unset', () => {
    const config = configFromEnv({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'agents',
      DURABLE_AGENT_TASK_QUEUE: '  ',
      TEMPORAL_UI_URL: 'https://ui.example/',
      DURABLE_AGENT_INLINE_RESULT_BYTES: '0',
      DURABLE_AGENT_MAX_CONTEXT_BYTES: '100000',
      DURABLE_AGENT_STORE: 'postgres://agent:s3cret@db:5432/agent',
      DURABLE_AGENT_LOG_REDACT: 'email, args.cardNumber',
      DURABLE_AGENT_MODEL: 'claude-haiku-4-5',
      DURABLE_AGENT_METRICS: '0.0.0.0:9464',
      DURABLE_AGENT_TRACES: 'off',
    });
    expect(config.connection).toEqual({ address: 'temporal.internal:7233', namespace: 'agents', taskQueue: 'durable-agent', uiUrl: 'https://ui.example' });
    expect(config.payloads).toMatchObject({ inlineResultBytes: 0, maxContextBytes: 100_000 });
    expect(config.store).toMatchObject({ kind: 'postgres', connectionString: 'postgres://agent:s3cret@db:5432/agent' });
    expect(config.worker).toMatchObject({ logRedact: ['email', 'args.cardNumber'], metrics: '0.0.0.0:9464' });
    expect(config.model.modelOverride).toBe('claude-haiku-4-5');
    expect(config.traces).toEqual({ kind: 'off', reason: 'DURABLE_AGENT_TRACES=off' });
  });

  test.each([
    ['TEMPORAL_ADDRESS', 'localhost', /^TEMPORAL_ADDRESS must be host:port with a port from 1 to 65535 \(got "localhost"\)$/],
    ['TEMPORAL_ADDRESS', '127.0.0.1:99999', /^TEMPORAL_ADDRESS must be host:port/],
    ['TEMPORAL_UI_URL', 'ui.example:8233', /^TEMPORAL_UI_URL must be an http:\/\/ or https:\/\/ URL \(got "ui.example:8233"\)$/],
    ['DURABLE_AGENT_MODEL_URL', 'not a url', /^DURABLE_AGENT_MODEL_URL must be an http/],
    ['ANTHROPIC_BASE_URL', 'ftp://proxy', /^ANTHROPIC_BASE_URL must be an http/],
    ['DURABLE_AGENT_OFFLOAD_BYTES', '64k', /^DURABLE_AGENT_OFFLOAD_BYTES must be a whole number of bytes \(e\.g\. 65536\), got "64k"$/],
    ['DURABLE_AGENT_INLINE_RESULT_BYTES', '-1', /^DURABLE_AGENT_INLINE_RESULT_BYTES must be a whole number of bytes/],
    // Before: a bad value here was silently replaced by the default, inside the model activity, at call time.
    ['DURABLE_AGENT_MAX_CONTEXT_BYTES', '0', /^DURABLE_AGENT_MAX_CONTEXT_BYTES must be a whole number of bytes from 1/],
    ['DURABLE_AGENT_MAX_CONTEXT_BYTES', '4e5', /^DURABLE_AGENT_MAX_CONTEXT_BYTES must be a whole number of bytes/],
    ['DURABLE_AGENT_STORE', 's3://bucket', /^DURABLE_AGENT_STORE must be local:<dir> or a postgres/],
    ['DURABLE_AGENT_STORE', 'local:', /^DURABLE_AGENT_STORE=local: needs a directory/],
    ['DURABLE_AGENT_METRICS', 'nope', /^DURABLE_AGENT_METRICS must be host:port \(got "nope"\)$/],
    ['DURABLE_AGENT_TRACES', 'jaeger', /^DURABLE_AGENT_TRACES must be off, console or otlp \(got "jaeger"\)$/],
  ])('%s=%s is a one-line ConfigError', (name, value, message) => {
    let error: unknown;
    try {
      configFromEnv({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });

  test('a bad value never echoes a password or a long value', () => {
    expect(() => configFromEnv({ DURABLE_AGENT_STORE: 'mysql://agent:s3cret@db/agent' })).toThrow(/mysql:\/\/agent:\*\*\*@db\/agent/);
    const long = `x${'y'.repeat(500)}`;
    const message = (() => {
      try {
        configFromEnv({ TEMPORAL_ADDRESS: long });
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message.length).toBeLessThan(160);
  });
});

describe('ports: one rule', () => {
  test.each([
    ['0', 0],
    ['1', 1],
    ['8787', 8787],
    ['65535', 65535],
    ['65536', undefined],
    ['', undefined],
    [' 80', undefined],
    ['80 ', undefined],
    ['-1', undefined],
    ['0x50', undefined],
    ['1e3', undefined],
    ['80.5', undefined],
  ])('parsePort(%j) is %s', (text, port) => {
    expect(parsePort(text)).toBe(port);
  });

  test('0 (pick a free one) only where the caller can listen anywhere', () => {
    expect(parsePort('0', { allowZero: false })).toBeUndefined();
    expect(isHostPort('127.0.0.1:0')).toBe(false);
    expect(isHostPort('[::1]:7233')).toBe(true);
    expect(isHostPort('temporal:7233')).toBe(true);
    expect(isHostPort('temporal')).toBe(false);
  });

  test('a CLI flag and a commander argument say the same, in one line', () => {
    expect(portOption('--port', '0')).toBe(0);
    expect(() => portOption('--port', '99999')).toThrow('--port must be a port number (got "99999"): from 0 to 65535, 0 picks a free one');
    expect(() => portOption('--port', '0', { allowZero: false })).toThrow('--port must be a port number (got "0"): from 1 to 65535');
    // The scripted model server's --port took 0 to 65535, the dev server's 1 to 65535, and blank text passed as 0.
    expect(portArgument()('0')).toBe(0);
    expect(() => portArgument()('')).toThrow('not a port number (from 0 to 65535, 0 picks a free one)');
    expect(() => portArgument({ allowZero: false })('0')).toThrow('not a port number (from 1 to 65535)');
  });
});

describe('the model: one decision', () => {
  const key = ['sk', 'ant', 'api03', 'abcdefghijklmnop'].join('-');

  test('a scripted URL wins over a key; a key alone is the real API; neither is none', () => {
    expect(chooseModel({ apiKey: key, scriptedUrl: 'http://127.0.0.1:8787' })).toEqual({
      kind: 'scripted',
      baseURL: 'http://127.0.0.1:8787',
      source: 'DURABLE_AGENT_MODEL_URL',
    });
    expect(chooseModel({ apiKey: key, anthropicBaseUrl: 'https://gateway.example' })).toEqual({
      kind: 'anthropic',
      apiKey: key,
      baseURL: 'https://gateway.example',
    });
    expect(chooseModel({})).toEqual({ kind: 'none' });
    expect(chooseModel({ apiKey: key }, { baseURL: 'http://127.0.0.1:1' }).kind).toBe('scripted');
  });

  test('the description never shows the key; the client is the choice', () => {
    expect(describeModelChoice(chooseModel({ apiKey: key }))).not.toContain(key);
    expect(() => createModelClient({}, {})).toThrow(/no model configured/);
    const scripted = createModelClient({}, { apiKey: key, scriptedUrl: 'http://127.0.0.1:8787' });
    expect(scripted.scripted).toBe(true);
    expect(scripted.baseURL).toBe('http://127.0.0.1:8787');
    const real = createModelClient({}, { apiKey: key });
    expect(real.scripted).toBe(false);
    expect(real.anthropic.maxRetries).toBe(0);
  });
});

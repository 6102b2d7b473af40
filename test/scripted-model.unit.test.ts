/**
 * The scripted model server, exercised through the real Anthropic SDK: if the SDK parses our answers and
 * classifies our errors the way it does the real API's, the rest of the project can trust it in tests.
 */
import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../scripted-model/scenario';
import {
  RUN_HEADER,
  SCENARIO_HEADER,
  startScriptedModelServer,
  type ScriptedModelServer,
} from '../scripted-model/server';

const SCENARIOS = join(__dirname, 'fixtures', 'scenarios');

const TOOLS: Anthropic.Tool[] = [
  { name: 'lookup_order', description: 'Find an order', input_schema: { type: 'object', properties: {} } },
  { name: 'lookup_customer', description: 'Find a customer', input_schema: { type: 'object', properties: {} } },
];

let server: ScriptedModelServer;
let client: Anthropic;

beforeAll(async () => {
  server = await startScriptedModelServer({ scenarioDirs: [SCENARIOS] });
  client = new Anthropic({ apiKey: 'test', baseURL: server.url, maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

/** One model call as the model-call activity makes it: scenario and run ride in headers. */
function call(
  scenario: string | null,
  run: string | null,
  messages: Anthropic.MessageParam[],
  extra: { timeout?: number } = {},
): Promise<Anthropic.Message> {
  return client.messages.create(
    { model: 'claude-test-1', max_tokens: 1024, system: 'You are a support agent.', messages, tools: TOOLS },
    { headers: { [SCENARIO_HEADER]: scenario, [RUN_HEADER]: run }, ...extra },
  );
}

/** Runs a call expected to fail and returns the SDK's error. */
async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Anthropic.APIError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** The `error` object of the real API's error body, as the SDK keeps it. */
function errorOf(err: InstanceType<typeof Anthropic.APIError>): { type: string; message: string } {
  return (err.error as { error: { type: string; message: string } }).error;
}

const ASK: Anthropic.MessageParam = { role: 'user', content: 'Where is order A-1?' };

/** The conversation after turn 0 of sm-tool-use, with the tool results sent back. */
function afterToolUse(first: Anthropic.Message, isError = false): Anthropic.MessageParam[] {
  const toolUses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  return [
    ASK,
    { role: 'assistant', content: first.content },
    {
      role: 'user',
      content: toolUses.map((b) => ({
        type: 'tool_result' as const,
        tool_use_id: b.id,
        is_error: isError,
        content: [{ type: 'text' as const, text: `order A-1: shipped (${b.name})` }],
      })),
    },
  ];
}

describe('scripted model answers', () => {
  test('a tool_use answer has the real response shape and parses in the SDK', async () => {
    const message = await call('sm-tool-use', 'run-shape', [ASK]);
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test-1',
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 120, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me look that order up.' },
      { type: 'tool_use', id: expect.stringMatching(/^toolu_0_0_[0-9a-f]{8}$/), name: 'lookup_order', input: { orderId: 'A-1' } },
      { type: 'tool_use', id: expect.stringMatching(/^toolu_0_1_[0-9a-f]{8}$/), name: 'lookup_customer', input: { email: 'a@example.com' } },
    ]);
  });

  test('the response carries request-id and content-type headers', async () => {
    const { response, request_id } = await client.messages
      .create({ model: 'm', max_tokens: 10, messages: [ASK] }, { headers: { [SCENARIO_HEADER]: 'sm-tool-use' } })
      .withResponse();
    expect(request_id).toMatch(/^req_/);
    expect(response.headers.get('content-type')).toBe('application/json');
  });

  test('tool_use ids are the same for the same run and differ between runs', async () => {
    const ids = (m: Anthropic.Message) => m.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []));
    const first = await call('sm-tool-use', 'run-ids', [ASK]);
    const again = await call('sm-tool-use', 'run-ids', [ASK]);
    const other = await call('sm-tool-use', 'run-ids-other', [ASK]);
    expect(ids(again)).toEqual(ids(first));
    expect(ids(other)).not.toEqual(ids(first));
  });

  test('the turn is the number of assistant messages in the request, and its expectations hold', async () => {
    const first = await call('sm-tool-use', 'run-turns', [ASK]);
    const second = await call('sm-tool-use', 'run-turns', afterToolUse(first));
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content).toEqual([{ type: 'text', text: 'Order A-1 has shipped.' }]);
    // Default usage: a rough four characters per token, never zero.
    expect(second.usage.input_tokens).toBeGreaterThan(10);
    expect(second.usage.output_tokens).toBeGreaterThan(0);
    // The same request again (a retried step) gets the same turn, not "the next one".
    const retried = await call('sm-tool-use', 'run-turns', afterToolUse(first));
    expect(retried.content).toEqual(second.content);
  });

  test('raw content blocks are sent as scripted, tool_use ids filled in, odd inputs kept', async () => {
    const message = await call('sm-raw-content', 'run-raw', [ASK]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.content).toEqual([
      { type: 'text', text: 'Odd call coming.' },
      { type: 'tool_use', id: expect.stringMatching(/^toolu_0_0_/), name: 'lookup_order', input: 'not an object' },
      { type: 'tool_use', id: 'toolu_fixed', name: 'lookup_order', input: [1, 2] },
    ]);
    const next = await call('sm-raw-content', 'run-raw', [ASK, { role: 'assistant', content: 'ok' }, ASK]);
    expect(next.content.map((b) => (b.type === 'tool_use' ? b.input : undefined))).toEqual([null, {}]);
  });

  test('a scenario can be named by path', async () => {
    const message = await call(join(SCENARIOS, 'sm-tool-use.json'), 'run-path', [ASK]);
    expect(message.stop_reason).toBe('tool_use');
  });
});

describe('scripted errors', () => {
  test('errors for the first attempts of a turn, then the answer; counted per run', async () => {
    const rateLimited = await failure(call('sm-errors', 'run-errors', [ASK]));
    expect(rateLimited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(rateLimited.status).toBe(429);
    expect(rateLimited.headers?.get('retry-after')).toBe('7');
    expect(rateLimited.requestID).toMatch(/^req_/);
    expect(errorOf(rateLimited)).toEqual({ type: 'rate_limit_error', message: 'slow down' });
    expect(rateLimited.error).toMatchObject({ type: 'error', request_id: rateLimited.requestID });

    const serverError = await failure(call('sm-errors', 'run-errors', [ASK]));
    expect(serverError).toBeInstanceOf(Anthropic.InternalServerError);
    expect(serverError.status).toBe(500);
    expect(errorOf(serverError).type).toBe('api_error');
    expect(serverError.headers?.get('retry-after')).toBeNull();

    const overloaded = await failure(call('sm-errors', 'run-errors', [ASK]));
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect(overloaded.status).toBe(529);
    expect(errorOf(overloaded)).toEqual({ type: 'overloaded_error', message: 'Overloaded' });

    const message = await call('sm-errors', 'run-errors', [ASK]);
    expect(message.content).toEqual([{ type: 'text', text: 'recovered' }]);

    // Another run starts its own count.
    const otherRun = await failure(call('sm-errors', 'run-errors-2', [ASK]));
    expect(otherRun.status).toBe(429);
  });

  test('without a run header the first user message keys the attempts', async () => {
    const prompt: Anthropic.MessageParam = { role: 'user', content: 'no run header here' };
    expect((await failure(call('sm-errors', null, [prompt]))).status).toBe(429);
    expect((await failure(call('sm-errors', null, [prompt]))).status).toBe(500);
    expect((await failure(call('sm-errors', null, [{ role: 'user', content: 'another prompt' }]))).status).toBe(429);
  });

  test('a scripted 400 is a BadRequestError with the real error body', async () => {
    const err = await failure(call('sm-bad-request', 'run-400', [ASK]));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(errorOf(err)).toEqual({
      type: 'invalid_request_error',
      message: 'prompt is too long: 250000 tokens > 200000 maximum',
    });
  });

  test('a slow answer times the client out, and close() does not wait for it', async () => {
    const err = await failure(call('sm-slow', 'run-slow', [ASK], { timeout: 200 }));
    expect(err).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    const slowServer = await startScriptedModelServer({ scenarioDirs: [SCENARIOS], defaultScenario: 'sm-slow' });
    const slowClient = new Anthropic({ apiKey: 'test', baseURL: slowServer.url, maxRetries: 0 });
    const pending = slowClient.messages.create({ model: 'm', max_tokens: 10, messages: [ASK] }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await slowServer.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Anthropic.APIConnectionError);
  });
});

describe('failing loudly', () => {
  test('a turn past the end of the scenario is a 400 naming the scenario and turn', async () => {
    const messages: Anthropic.MessageParam[] = [ASK, { role: 'assistant', content: 'a' }, ASK, { role: 'assistant', content: 'b' }, ASK];
    const err = await failure(call('sm-tool-use', 'run-out', messages));
    expect(err.status).toBe(400);
    expect(errorOf(err)).toEqual({
      type: 'invalid_request_error',
      message: 'scripted model: scenario "sm-tool-use" has no turn 2 (it has 2)',
    });
  });

  test('an unknown scenario is a 400 naming it', async () => {
    const err = await failure(call('sm-does-not-exist', 'run-unknown', [ASK]));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(errorOf(err).type).toBe('invalid_request_error');
    expect(errorOf(err).message).toContain('sm-does-not-exist');
  });

  test('no scenario at all is a 400 saying how to choose one', async () => {
    const err = await failure(call(null, 'run-none', [ASK]));
    expect(err.status).toBe(400);
    expect(errorOf(err).message).toContain(SCENARIO_HEADER);
  });

  test('a default scenario is played when the request names none', async () => {
    const withDefault = await startScriptedModelServer({ scenarioDirs: [SCENARIOS], defaultScenario: 'sm-tool-use' });
    try {
      const c = new Anthropic({ apiKey: 'test', baseURL: withDefault.url, maxRetries: 0 });
      const message = await c.messages.create({ model: 'm', max_tokens: 10, messages: [ASK] });
      expect(message.stop_reason).toBe('tool_use');
    } finally {
      await withDefault.close();
    }
  });

  test('a failed expectation is a 400 that says what was wrong', async () => {
    const first = await call('sm-tool-use', 'run-expect', [ASK]);
    // sm-tool-use turn 1 expects successful results mentioning "shipped".
    const err = await failure(call('sm-tool-use', 'run-expect', afterToolUse(first, true)));
    expect(err.status).toBe(400);
    expect(errorOf(err).message).toBe(
      'scripted model: scenario "sm-tool-use" turn 1 expectation failed: ' +
        'last user message has a tool_result with is_error: true',
    );
    const bare = await failure(
      call('sm-tool-use', 'run-expect', [ASK, { role: 'assistant', content: first.content }, { role: 'user', content: 'hi' }]),
    );
    expect(errorOf(bare).message).toContain('last user message lacks "shipped"');

    // The expect-error scenario wants the opposite: a failed tool result.
    const call0 = await call('sm-expect-error', 'run-expect-2', [ASK]);
    const ok = await call('sm-expect-error', 'run-expect-2', [
      ASK,
      { role: 'assistant', content: call0.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'x', is_error: true, content: 'orderId: expected string' }],
      },
    ]);
    expect(ok.stop_reason).toBe('tool_use');
  });

  test('streaming requests are refused', async () => {
    const err = await failure(
      client.messages.create({ model: 'm', max_tokens: 10, messages: [ASK], stream: true }, { headers: { [SCENARIO_HEADER]: 'sm-tool-use' } }),
    );
    expect(err.status).toBe(400);
    expect(errorOf(err).message).toBe('streaming is not supported by the scripted model');
  });

  test('malformed requests get the real API error shape', async () => {
    const res = await fetch(`${server.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SCENARIO_HEADER]: 'sm-tool-use' },
      body: JSON.stringify({ model: 'm', max_tokens: 10 }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages: Field required' },
      request_id: res.headers.get('request-id'),
    });
    const notJson = await fetch(`${server.url}/v1/messages`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
  });

  test('other paths are 404 not_found_error', async () => {
    const res = await fetch(`${server.url}/v1/complete`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
  });
});

describe('observability', () => {
  test('every request is recorded with its scenario, run, turn, attempt and status', async () => {
    const before = server.requests.length;
    await failure(call('sm-errors', 'run-recorded', [ASK]));
    await call('sm-errors', 'run-recorded', [ASK]).catch(() => undefined);
    const recorded = server.requests.slice(before);
    expect(recorded).toEqual([
      expect.objectContaining({ scenario: 'sm-errors', runKey: 'run-recorded', turn: 0, attempt: 0, status: 429 }),
      expect.objectContaining({ scenario: 'sm-errors', runKey: 'run-recorded', turn: 0, attempt: 1, status: 500 }),
    ]);
    expect(recorded[0]?.body).toMatchObject({ model: 'claude-test-1', messages: [ASK] });
    expect(recorded[0]?.requestId).toMatch(/^req_/);

    const viaHttp = (await (await fetch(`${server.url}/requests`)).json()) as unknown[];
    expect(viaHttp).toHaveLength(server.requests.length);
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ ok: true });
  });
});

describe('loadScenario', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sm-scenarios-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('finds a bare name in the scenario dirs, in order', () => {
    const { scenario, file } = loadScenario('sm-tool-use', [dir, SCENARIOS]);
    expect(scenario.name).toBe('sm-tool-use');
    expect(file).toBe(join(SCENARIOS, 'sm-tool-use.json'));
  });

  test('an invalid file is a one-line error naming the file and the issue path', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ name: 'broken', turns: [{ text: 'x' }, { toolCalls: [{ input: {} }] }] }));
    expect(() => loadScenario('broken', [dir])).toThrow(/^invalid scenario file .*broken\.json: turns\.1\.toolCalls\.0\.name: /);
    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, '{ "name": ');
    let message = '';
    try {
      loadScenario(notJson, []);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(notJson);
    expect(message).not.toContain('\n');
  });

  test('an empty turn and an unknown key are rejected', () => {
    const file = join(dir, 'empty-turn.json');
    writeFileSync(file, JSON.stringify({ name: 'e', turns: [{ txet: 'typo' }] }));
    expect(() => loadScenario(file, [])).toThrow(/turns\.0/);
  });

  test('a scripted error is an API error (status) or a transport fault, never both; a fault takes no error fields', () => {
    const check = (error: unknown) => {
      const file = join(dir, 'fault.json');
      writeFileSync(file, JSON.stringify({ name: 'f', turns: [{ text: 'x', errors: [error] }] }));
      return () => loadScenario(file, []);
    };
    for (const fault of ['reset', 'truncate', 'invalid_json', 'stall']) expect(check({ fault })).not.toThrow();
    expect(check({ fault: 'reset', delayMs: 100 })).not.toThrow();
    expect(check({})).toThrow(/turns\.0\.errors\.0: a scripted error needs exactly one of "status" and "fault"/);
    expect(check({ status: 500, fault: 'reset' })).toThrow(/exactly one of "status" and "fault"/);
    expect(check({ fault: 'hang' })).toThrow(/turns\.0\.errors\.0\.fault: /);
    expect(check({ fault: 'truncate', retryAfter: 1 })).toThrow(/errors\.0\.retryAfter: "retryAfter" does not apply to a fault/);
    expect(check({ fault: 'reset', message: 'x' })).toThrow(/errors\.0\.message: /);
    expect(check({ fault: 'stall', delayMs: 10 })).toThrow(/errors\.0\.delayMs: "delayMs" does not apply to a stall/);
  });
});

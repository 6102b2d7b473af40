/**
 * The pure checks behind the fixes in docs/hostile-input.md ("Known gaps"): the run options every start goes
 * through (client, CLI, workflow), and what the model step keeps of arguments nested too deeply to serialize. The
 * end-to-end cases are in test/bad-input.test.ts and test/hostile-tool-calls.test.ts; these pin the branches.
 */
import { MAX_INPUT_DEPTH, nestedDeeperThan, readContent, TOO_DEEP_INPUT } from '../activities/model-call';
import type { CallCheck } from '../common/model';
import { runInputProblem, runOptionsProblem } from '../common/run';
import { nested } from './helpers/hostile-arbitraries';

describe('runOptionsProblem', () => {
  test.each([
    ['no options', undefined],
    ['null', null],
    ['empty', {}],
    ['what the tests and the soak use', { mode: 'advise', scope: ['lookup_customer'], minConfidence: 0, correctiveRetries: 0, escalationTimeoutMs: 1000 }],
    ['limits, timeouts, retries, continue-as-new', { limits: { maxSteps: 3, maxTokens: 10, maxCostUsd: 0.0000001, maxDurationMs: 1 }, timeouts: { modelHeartbeatMs: 2_000, modelStartToCloseMs: 8_000 }, modelRetry: { initialIntervalMs: 200, maximumIntervalMs: 400, maximumAttempts: 2 }, continueAsNew: { maxEvents: 100 } }],
    ['an option this code does not know (a newer client)', { somethingNew: true }],
  ])('accepts %s', (_what, options) => {
    expect(runOptionsProblem(options)).toBeUndefined();
  });

  test.each([
    ['not an object', 'act', /^options must be an object \(got "act"\)$/],
    ['a list', [], /^options must be an object \(got a list\)$/],
    ['an unknown mode', { mode: 'bogus' }, /^mode must be one of advise, act \(got "bogus"\)$/],
    ['a scope that is a string', { scope: 'lookup_customer' }, /^scope must be a list of tool names/],
    ['an empty scope', { scope: [] }, /^scope must name at least one tool$/],
    ['a blank tool name in the scope', { scope: ['lookup_customer', ' '] }, /^scope must hold tool names only \(got " "\)$/],
    ['a confidence above 1', { minConfidence: 2 }, /^minConfidence must be a number from 0 to 1 \(got 2\)$/],
    ['a confidence that is a word', { minConfidence: 'high' }, /^minConfidence must be a number from 0 to 1 \(got "high"\)$/],
    ['a confidence that is NaN', { minConfidence: NaN }, /^minConfidence must be a number from 0 to 1 \(got NaN\)$/],
    ['a fractional corrective budget', { correctiveRetries: 0.5 }, /^correctiveRetries must be a whole number/],
    ['a negative corrective budget', { correctiveRetries: -1 }, /^correctiveRetries must be a whole number, 0 or more \(got -1\)$/],
    ['an escalation timeout that is a word', { escalationTimeoutMs: 'soon' }, /^escalationTimeoutMs must be a positive number \(got "soon"\)$/],
    ['an escalation timeout of 0', { escalationTimeoutMs: 0 }, /^escalationTimeoutMs must be a positive number \(got 0\)$/],
    ['limits that are not an object', { limits: 5 }, /^limits must be an object \(got 5\)$/],
    ['a step limit that is a word', { limits: { maxSteps: 'unlimited' } }, /^limits\.maxSteps must be a positive number \(got "unlimited"\)$/],
    ['an infinite token limit', { limits: { maxTokens: Infinity } }, /^limits\.maxTokens must be a positive number \(got Infinity\)$/],
    ['an escalation timeout past any date', { escalationTimeoutMs: 1e20 }, /^escalationTimeoutMs must be at most 31622400000 \(got 100000000000000000000\)$/],
    ['a model start-to-close of years', { timeouts: { modelStartToCloseMs: 1e15 } }, /^timeouts\.modelStartToCloseMs must be at most 86400000 /],
    ['a step limit of 1e30', { limits: { maxSteps: 1e30 } }, /^limits\.maxSteps must be at most 1000000 /],
    ['retries without end', { modelRetry: { maximumAttempts: 1e9 } }, /^modelRetry\.maximumAttempts must be at most 10000 /],
    ['continue-as-new past Temporal\'s own history limit', { continueAsNew: { maxEvents: 60_000 } }, /^continueAsNew\.maxEvents must be at most 50000 /],
    ['a heartbeat timeout that is a word', { timeouts: { modelHeartbeatMs: '30s' } }, /^timeouts\.modelHeartbeatMs must be a positive number/],
    ['fractional model attempts', { modelRetry: { maximumAttempts: 1.5 } }, /^modelRetry\.maximumAttempts must be a whole number \(got 1\.5\)$/],
    ['a first retry interval above the default maximum', { modelRetry: { initialIntervalMs: 60_000 } }, /^the default maximumIntervalMs \(30000\) must not be less than modelRetry\.initialIntervalMs \(60000\)$/],
    ['a continue-as-new figure of -1', { continueAsNew: { maxEvents: -1 } }, /^continueAsNew\.maxEvents must be a positive number/],
  ])('refuses %s, in one line', (_what, options, problem) => {
    expect(runOptionsProblem(options)).toMatch(problem);
  });

  test('a long bad value is quoted short', () => {
    expect(runOptionsProblem({ mode: 'x'.repeat(10_000) })?.length).toBeLessThan(120);
  });
});

describe('runInputProblem', () => {
  test.each([
    [{ agent: '', prompt: 'hi' }, /^the agent must be named/],
    [{ agent: 'ops', prompt: 42 }, /^the prompt must be text \(got 42\)$/],
    [{ agent: 'ops', prompt: ' \n\t ' }, /^the prompt must not be empty$/],
    [{ agent: 'ops', prompt: 'hi', correlationId: '  ' }, /^the correlation id must not be empty/],
    [{ agent: 'ops', prompt: 'hi', options: { mode: 'ACT' } }, /^mode must be one of advise, act \(got "ACT"\)$/],
  ])('%j is refused', (input, problem) => {
    expect(runInputProblem(input)).toMatch(problem);
  });

  test('a named agent, a prompt and valid options pass', () => {
    expect(runInputProblem({ agent: 'ops', prompt: 'find Ana', correlationId: 'ticket-4711', options: { mode: 'act' } })).toBeUndefined();
  });
});

describe('readContent: arguments nested too deeply to serialize never leave the model step', () => {
  const ok: CallCheck = { ok: true, args: {} };
  const refusedAtEmail: CallCheck = {
    ok: false,
    error: { tool: 'lookup_customer', toolUseId: 'a', code: 'invalid_input', fields: [{ path: 'email', expected: 'a string', received: 'array (nested too deeply to show)' }], message: 'email: ...' },
  };

  test('nestedDeeperThan measures without recursing, and stops on a cycle', () => {
    expect(nestedDeeperThan('text', 0)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan(nested(MAX_INPUT_DEPTH, 'array'), MAX_INPUT_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nested(MAX_INPUT_DEPTH + 1, 'object'), MAX_INPUT_DEPTH)).toBe(true);
    expect(nestedDeeperThan({ wide: Array.from({ length: 10_000 }, () => ({ a: [1] })) }, MAX_INPUT_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nested(100_000, 'array'), MAX_INPUT_DEPTH)).toBe(true);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(nestedDeeperThan(cycle, MAX_INPUT_DEPTH)).toBe(true);
  });

  test("a deep field keeps the schema's refusal, which names the field; the conversation gets {}, the call a placeholder", () => {
    const input = { email: nested(6_000, 'array') };
    const read = readContent([{ type: 'tool_use', id: 'a', name: 'lookup_customer', input }], 'tool_use', () => refusedAtEmail);
    expect(read.toolCalls).toEqual([{ toolUseId: 'a', name: 'lookup_customer', input: TOO_DEEP_INPUT, check: refusedAtEmail }]);
    expect(read.content).toEqual([{ type: 'tool_use', id: 'a', name: 'lookup_customer', input: {} }]);
    expect(() => JSON.stringify(read)).not.toThrow();
  });

  test('depth the schema would accept (an extra key it strips) is refused at (root), naming the depth', () => {
    const input = { email: 'ana@example.com', x: nested(6_000, 'object') };
    const read = readContent([{ type: 'tool_use', id: 'a', name: 'lookup_customer', input }], 'tool_use', () => ok);
    const check = read.toolCalls[0]?.check;
    expect(check?.ok).toBe(false);
    if (check?.ok !== false) return;
    expect(check.error).toMatchObject({ code: 'invalid_input', fields: [{ path: '(root)', expected: `arguments nested at most ${MAX_INPUT_DEPTH} levels deep` }] });
    expect(check.error.message).not.toContain('[[');
    expect(read.toolCalls[0]?.input).toBe(TOO_DEEP_INPUT);
    expect(() => JSON.stringify(read)).not.toThrow();
  });

  test('a call cut off by max_tokens is still refused as cut off, and its deep input is not kept', () => {
    const read = readContent([{ type: 'tool_use', id: 'a', name: 'lookup_customer', input: nested(6_000, 'object') }], 'max_tokens', () => ok);
    expect(read.toolCalls[0]?.check).toMatchObject({ ok: false, error: { code: 'truncated_call' } });
    expect(read.toolCalls[0]?.input).toBe(TOO_DEEP_INPUT);
  });

  test('depth anywhere else in a block (an extra field, a thinking block) refuses the block, like an unknown one', () => {
    const read = readContent(
      [
        { type: 'tool_use', id: 'a', name: 'lookup_customer', input: { email: 'ana@example.com' }, extra: nested(6_000, 'array') },
        { type: 'thinking', thinking: 'hm', signature: nested(6_000, 'object') },
        { type: 'text', text: 'Looking.' },
      ],
      'tool_use',
      () => ok,
    );
    expect(read.toolCalls).toEqual([]);
    expect(read.refusedBlocks.map((e) => [e.toolUseId, e.code])).toEqual([
      ['block-0', 'invalid_block'],
      ['block-1', 'invalid_block'],
    ]);
    expect(read.refusedBlocks[0]?.message).toContain(`nested more than ${MAX_INPUT_DEPTH} levels deep`);
    expect(read.text).toBe('Looking.');
    expect(() => JSON.stringify(read)).not.toThrow();
  });

  test('ordinary calls are kept as they were sent', () => {
    const block = { type: 'tool_use', id: 'a', name: 'lookup_customer', input: { email: 'ana@example.com', tags: [[['a']]] } };
    const read = readContent([block], 'tool_use', () => ok);
    expect(read.content).toEqual([block]);
    expect(read.toolCalls[0]?.input).toBe(block.input);
  });
});

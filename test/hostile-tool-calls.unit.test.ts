/**
 * Hostile and malformed tool calls, generated with fast-check, against the example ops agent's tools: layer (a),
 * in-process. What the check every proposed call goes through (`AgentRegistry.checkCall`, as the model activity runs
 * it) refuses, and how it says so. A reference check against the zod schema confirms each generated call really is
 * invalid as labelled. test/hostile-tool-calls-stripped.unit.test.ts has what passes (stripped); layer (b), end to
 * end on a real dev server, is test/hostile-tool-calls.test.ts.
 *
 * Seeds: fixed by default, printed in the test names; FC_SEED=<n> replays, FC_SEED=random explores
 * (docs/hostile-input.md).
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { modelFacingInput, type ToolDefinition } from '../agents/define';
import { AgentRegistry } from '../agents/registry';
import { describe as describeValue } from '../agents/validate';
import { opsAgent } from '../examples/ops-agent/agent';
import { callTo, nested, nonObjectInput, OPS_TOOL_FIELDS, unknownToolName } from './helpers/hostile-arbitraries';
import { propertySeed } from './helpers/property';

const SEED = propertySeed();
const registry = new AgentRegistry([opsAgent]);
const TOOL_NAMES = Object.keys(OPS_TOOL_FIELDS);
const toolNamed = (name: string) => opsAgent.tools.find((t) => t.name === name) as ToolDefinition;

/** One line per refused field, as the docs promise; and never an unbounded echo of what the model sent. */
const MAX_RECEIVED = 100;

function expectStructuredRefusal(call: { tool: string; input: unknown }, expectedPaths: string[]): void {
  const check = registry.checkCall('ops', { toolUseId: 'toolu_prop', toolName: call.tool, input: call.input });
  if (check.ok) throw new Error(`accepted an invalid call: ${describeValue(call.input)}`);
  expect(check.error).toMatchObject({ tool: call.tool, toolUseId: 'toolu_prop', code: 'invalid_input' });
  const fields = check.error.fields ?? [];
  expect(new Set(fields.map((f) => f.path))).toEqual(new Set(expectedPaths));
  for (const f of fields) {
    expect(f.received.length).toBeLessThanOrEqual(MAX_RECEIVED);
    expect(f.expected.length).toBeGreaterThan(0);
    expect(check.error.message).toContain(`- ${f.path}: expected ${f.expected}, got ${f.received}`);
  }
  expect(check.error.message.length).toBeLessThan(400 + fields.length * 250);
}

describe(`layer (a): the check before dispatch, property-based (seed ${SEED})`, () => {
  test("the generators' field model is the tools' model-facing schema, field for field", () => {
    for (const name of TOOL_NAMES) {
      const shape = (modelFacingInput(toolNamed(name)) as z.ZodObject).shape;
      expect(Object.keys(OPS_TOOL_FIELDS[name] ?? {}).sort()).toEqual(Object.keys(shape).sort());
    }
    expect(opsAgent.tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
  });

  test('a call with missing, mistyped or out-of-bounds fields is refused, naming exactly those fields', () => {
    const invalidCall = fc
      .constantFrom(...TOOL_NAMES)
      .chain((tool) => callTo(tool))
      .filter((c) => Object.keys(c.broken).length > 0);
    fc.assert(
      fc.property(invalidCall, (call) => {
        // Reference: the generator's label agrees with zod itself.
        expect(modelFacingInput(toolNamed(call.tool)).safeParse(call.input).success).toBe(false);
        expectStructuredRefusal(call, Object.keys(call.broken));
        for (const [path, fate] of Object.entries(call.broken)) {
          if (fate !== 'missing') continue;
          const check = registry.checkCall('ops', { toolUseId: 'toolu_prop', toolName: call.tool, input: call.input });
          const field = !check.ok ? check.error.fields?.find((f) => f.path === path) : undefined;
          expect(field).toMatchObject({ received: 'nothing', expected: expect.stringMatching(/\(required\)$/) });
        }
      }),
      { seed: SEED, numRuns: 600 },
    );
  });

  test('an input that is not an object at all is refused at (root)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOOL_NAMES), nonObjectInput(), (tool, input) => {
        expectStructuredRefusal({ tool, input }, ['(root)']);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('an unknown tool name (case and space variants, invisible and look-alike characters, huge) is refused, naming the tool', () => {
    fc.assert(
      fc.property(unknownToolName(TOOL_NAMES), (name) => {
        const check = registry.checkCall('ops', { toolUseId: 'toolu_prop', toolName: name, input: {} });
        if (check.ok) throw new Error(`accepted unknown tool ${JSON.stringify(name)}`);
        expect(check.error).toMatchObject({ tool: name, code: 'unknown_tool' });
        // Named so that a near miss is visibly not the real tool, and bounded however long the name is.
        expect(check.error.message).toContain(`There is no tool named ${describeValue(name)}.`);
        expect(check.error.message).toContain(`Available tools: ${TOOL_NAMES.join(', ')}`);
        expect(check.error.message.length).toBeLessThan(300);
        // Valid arguments for the real tool do not make a near miss acceptable.
        expect(registry.checkCall('ops', { toolUseId: 'toolu_prop', toolName: name, input: { email: 'ana@example.com' } }).ok).toBe(false);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  test.each([
    ['an array at the root', nested(6_000, 'array'), ['(root)']],
    ['an object at the root (so email is missing)', nested(6_000, 'object'), ['email']],
    ['an array in a field', { email: nested(6_000, 'array') }, ['email']],
    ['an object in a field', { email: nested(6_000, 'object') }, ['email']],
  ])('deep nesting (6,000 levels), %s, is refused with a field error, without blowing the stack', (_where, input, paths) => {
    expectStructuredRefusal({ tool: 'lookup_customer', input }, paths);
  });
});

/**
 * Hostile tool calls, generated with fast-check, against the example ops agent's tools: layer (a), in-process. What
 * passes the check before dispatch goes on stripped to the keys the tool declares, and the tool activity parses
 * again before `run`. test/hostile-tool-calls.unit.test.ts has the refusals; layer (b), end to end on a real dev
 * server, is test/hostile-tool-calls.test.ts.
 *
 * Seeds: fixed by default, printed in the test names; FC_SEED=<n> replays, FC_SEED=random explores
 * (docs/hostile-input.md).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import type { z } from 'zod';
import { createToolActivity } from '../activities/tool-call';
import { modelFacingInput, type ToolDefinition } from '../agents/define';
import { AgentRegistry } from '../agents/registry';
import { TOOL_ERROR_TYPES } from '../common/failures';
import type { ToolActivityInput } from '../common/model';
import { opsAgent } from '../examples/ops-agent/agent';
import {
  callTo,
  nested,
  nonObjectInput,
  OPS_TOOL_FIELDS,
  type GeneratedCall,
} from './helpers/hostile-arbitraries';
import { propertySeed } from './helpers/property';

const SEED = propertySeed();
const registry = new AgentRegistry([opsAgent]);
const TOOL_NAMES = Object.keys(OPS_TOOL_FIELDS);
const toolNamed = (name: string) => opsAgent.tools.find((t) => t.name === name) as ToolDefinition;

describe(`layer (a): the check before dispatch, property-based (seed ${SEED})`, () => {
  test('a valid call with extra keys (fake approvals, __proto__, look-alike fields) passes, its confidence split off and the extra keys dropped', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOOL_NAMES).chain((tool) => callTo(tool, { allValid: true })), (call) => {
        expect(modelFacingInput(toolNamed(call.tool)).safeParse(call.input).success).toBe(true);
        const check = registry.checkCall('ops', { toolUseId: 'toolu_prop', toolName: call.tool, input: call.input });
        if (!check.ok) throw new Error(`refused a valid call: ${check.error.message}`);
        const { confidence, rationale, ...own } = call.input as Record<string, unknown>;
        const acts = 'confidence' in (OPS_TOOL_FIELDS[call.tool] ?? {});
        // Only the keys the tool declares go on (into the trace, the ledger and run), untransformed.
        const declared = Object.keys((toolNamed(call.tool).input as unknown as { shape: Record<string, unknown> }).shape);
        const sent = (acts ? own : call.input) as Record<string, unknown>;
        expect(check.args).toEqual(Object.fromEntries(Object.entries(sent).filter(([key]) => declared.includes(key))));
        expect(Object.keys(check.args).filter((key) => !declared.includes(key))).toEqual([]);
        if (acts) expect([check.confidence, check.rationale]).toEqual([confidence, rationale]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('deep nesting in an extra key is stripped: the call passes and nothing deep goes on', () => {
    const check = registry.checkCall('ops', { toolUseId: 'toolu_prop', toolName: 'lookup_customer', input: { email: 'ana@example.com', x: nested(6_000, 'array') } });
    expect(check.ok).toBe(true);
  });
});

/** The example tools with `run` replaced by a spy: the property is what reaches `run`, not what the store does. */
function spiedTool(tool: ToolDefinition, calls: unknown[]): ToolDefinition {
  return { ...tool, output: undefined, verify: undefined, run: async (args: unknown) => (calls.push(args), { ok: true }) };
}

function activityInput(args: unknown): ToolActivityInput {
  const context = { correlationId: 'prop', workflowId: 'ops-prop', runId: 'r', toolUseId: 'toolu_prop', step: 1, idempotencyKey: 'ops-prop/toolu_prop' };
  return { args: args as Record<string, unknown>, context };
}

describe(`layer (a): the tool activity parses again before run (seed ${SEED})`, () => {
  test("run sees only arguments its own schema accepts, stripped of every key it does not declare", async () => {
    const env = new MockActivityEnvironment();
    const anyCall = fc.oneof(
      fc.constantFrom(...TOOL_NAMES).chain((tool) => callTo(tool)),
      fc.tuple(fc.constantFrom(...TOOL_NAMES), nonObjectInput()).map(([tool, input]): GeneratedCall => ({ tool, input, broken: { '(root)': 'wrongType' }, extras: [] })),
    );
    await fc.assert(
      fc.asyncProperty(anyCall, fc.boolean(), async (call, afterCheck) => {
        const tool = toolNamed(call.tool);
        const calls: unknown[] = [];
        const activity = createToolActivity(spiedTool(tool, calls));
        // What the workflow passes on after the check (confidence split off), or raw input reaching the activity
        // by another path (a person's edit, a future bug): either way the activity parses it again.
        const check = registry.checkCall('ops', { toolUseId: 'toolu_prop', toolName: call.tool, input: call.input });
        const args = afterCheck && check.ok ? check.args : call.input;
        const reference = tool.input.safeParse(args);
        const outcome = await env.run(activity, activityInput(args)).then(
          () => 'ran' as const,
          (err: unknown) => err,
        );
        if (reference.success) {
          expect(outcome).toBe('ran');
          expect(calls).toEqual([reference.data]);
          const declared = Object.keys((tool.input as z.ZodObject).shape);
          for (const key of Object.keys(calls[0] as object)) expect(declared).toContain(key);
        } else {
          expect(calls).toEqual([]);
          expect(outcome).toMatchObject({ name: 'ApplicationFailure', type: TOOL_ERROR_TYPES.invalidInput, nonRetryable: true });
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

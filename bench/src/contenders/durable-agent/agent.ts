/**
 * The bench agent, defined the way a user defines one: one read tool, the shared lookup. Limits are lifted so a
 * 1,000-step run is not stopped by the step or token budget (the scripted usage is a fixed 15 tokens a step).
 */
import { z } from 'zod';
import { defineAgent, defineTool } from '../../../../dist/index';
import { BENCH_MODEL, BENCH_SYSTEM, KEY_DESCRIPTION, lookupItem, TOOL_DESCRIPTION, TOOL_NAME } from '../../agent-spec';
import { stepClock } from '../../step-clock';

export const BENCH_AGENT = 'bench';

// The bench's zod is the project's version (4.6.7); zod 4 recognises schemas by their traits, not by which copy
// of the module made them, so defineTool's checks accept these.
const lookupTool = defineTool({
  name: TOOL_NAME,
  description: TOOL_DESCRIPTION,
  input: z.object({ key: z.string().describe(KEY_DESCRIPTION) }),
  effect: 'read',
  run: async (args, context) => {
    stepClock.mark(context.workflowId);
    return lookupItem(args);
  },
});

/**
 * The parallel-calls benchmark's tool: a read that takes SLOW_LOOKUP_MS, marking its start under the run and its end
 * under `<run>#end`, so the benchmark sees how the calls of one response overlapped.
 */
export const SLOW_LOOKUP = 'slow_lookup';
export const SLOW_LOOKUP_MS = 200;
const slowLookupTool = defineTool({
  name: SLOW_LOOKUP,
  description: 'Looks an item up in the slow archive (about 200 ms).',
  input: z.object({ key: z.string().describe(KEY_DESCRIPTION) }),
  effect: 'read',
  run: async (args, context) => {
    stepClock.mark(context.workflowId);
    await new Promise((resolve) => setTimeout(resolve, SLOW_LOOKUP_MS));
    stepClock.mark(`${context.workflowId}#end`);
    return lookupItem(args);
  },
});

export const benchAgent = defineAgent({
  name: BENCH_AGENT,
  model: BENCH_MODEL,
  system: BENCH_SYSTEM,
  tools: [lookupTool, slowLookupTool],
  limits: { maxSteps: 1_000_000, maxTokens: Number.MAX_SAFE_INTEGER },
});

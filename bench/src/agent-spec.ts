/**
 * The agent every contender builds: the same model id, system prompt and tool, and the header that picks the
 * scripted scenario. Pure constants and one pure function, so workflow code can import it too.
 */

export const BENCH_MODEL = 'claude-sonnet-4-6';
export const BENCH_SYSTEM = 'You look items up with the lookup_item tool, one call per item.';

/** Selects the scenario on the scripted model (scripted-model/server.ts SCENARIO_HEADER). */
export const SCENARIO_HEADER = 'x-durable-agent-scenario';

export const TOOL_NAME = 'lookup_item';
export const TOOL_DESCRIPTION = 'Looks an item up by its key and returns its value. Call it once per item.';
export const KEY_DESCRIPTION = 'The item key, for example "item-3"';

export interface LookupInput {
  key: string;
}

export interface LookupResult {
  key: string;
  value: string;
  found: boolean;
}

/** The tool's work: deliberately trivial, so the steps measure the frameworks, not the tool. */
export function lookupItem(input: LookupInput): LookupResult {
  return { key: input.key, value: `value of ${input.key}`, found: true };
}

/** The tool as the Messages API declares it (the plain loop and bare Temporal send this as is). */
export const ANTHROPIC_TOOL = {
  name: TOOL_NAME,
  description: TOOL_DESCRIPTION,
  input_schema: {
    type: 'object' as const,
    properties: { key: { type: 'string', description: KEY_DESCRIPTION } },
    required: ['key'],
    additionalProperties: false,
  },
};

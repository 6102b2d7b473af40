/**
 * The agents the CLI knows: the shipped examples, or a module of your own named by `--agents <module>` or
 * `DURABLE_AGENT_AGENTS`, exporting `agents: AgentDefinition[]`. Loading a definition opens nothing (the example
 * store opens lazily in the worker), so `run` can check an agent name without side effects.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AgentDefinition } from '../agents/define';
import { AgentRegistry } from '../agents/registry';
import { CliError } from './errors';

export const AGENTS_ENV = 'DURABLE_AGENT_AGENTS';

export interface LoadedAgents {
  registry: AgentRegistry;
  agents: AgentDefinition[];
  /** Where they came from, for messages: `examples` or the module path. */
  source: string;
}

function isAgentDefinition(value: unknown): value is AgentDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.model === 'string' && Array.isArray(v.tools);
}

/** Resolves a module reference the way a person means it: a path relative to the working directory, or a package. */
function resolveModule(ref: string): string {
  const asPath = resolve(ref);
  if (existsSync(asPath)) return asPath;
  try {
    return require.resolve(ref, { paths: [process.cwd()] });
  } catch {
    throw new CliError(`agents module "${ref}" not found`);
  }
}

/**
 * Loads the agent registry from `moduleRef` (the `--agents` flag, else DURABLE_AGENT_AGENTS from the CLI's
 * configuration); without one, the examples.
 *
 * @example
 * const { registry } = await loadAgents(opts.agents);
 * registry.get('ops'); // throws UnknownAgentError naming the known agents
 */
export async function loadAgents(moduleRef?: string): Promise<LoadedAgents> {
  if (!moduleRef) {
    // Loaded here rather than imported at the top, so a custom module never loads the examples.
    const { exampleAgents } = await import('../examples');
    return { registry: new AgentRegistry(exampleAgents), agents: exampleAgents, source: 'examples' };
  }
  const file = resolveModule(moduleRef);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(file)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`cannot load agents module ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const agents = loaded.agents ?? (loaded.default as Record<string, unknown> | undefined)?.agents;
  if (!Array.isArray(agents) || agents.length === 0 || !agents.every(isAgentDefinition)) {
    throw new CliError(`agents module ${file} must export \`agents\`: a non-empty array of agent definitions`);
  }
  try {
    return { registry: new AgentRegistry(agents), agents, source: file };
  } catch (err) {
    throw new CliError(`agents module ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Checks an agent name before anything starts; the error names the agents that do exist. */
export function requireAgent(loaded: LoadedAgents, name: string): AgentDefinition {
  try {
    return loaded.registry.get(name);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}

/** The agents the CLI and the default worker know. Point `DURABLE_AGENT_AGENTS` at a module of your own to replace them. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentDefinition } from '../agents/define';
import { opsAgent } from './ops-agent/agent';

export const exampleAgents: AgentDefinition[] = [opsAgent];

/** The folder holding package.json: the same from the TypeScript sources and from the compiled dist/. */
function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
  return dir;
}

/** Folders the scripted model server searches for scenario names. */
export const exampleScenarioDirs: string[] = [join(projectRoot(), 'examples', 'ops-agent', 'scenarios')];

/** The agents the CLI and the default worker know. Point `DURABLE_AGENT_AGENTS` at a module of your own to replace them. */
import { join } from 'node:path';
import type { AgentDefinition } from '../agents/define';
import { projectRoot } from '../temporal-config/settings';
import { opsAgent } from './ops-agent/agent';

export const exampleAgents: AgentDefinition[] = [opsAgent];

/** Folders the scripted model server searches for scenario names. */
export const exampleScenarioDirs: string[] = [join(projectRoot(), 'examples', 'ops-agent', 'scenarios')];

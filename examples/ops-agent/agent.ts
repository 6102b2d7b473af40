/**
 * The shipped example: an operations agent for a small shop, over a real SQLite store.
 */
import { join } from 'node:path';
import { defineAgent, type AgentDefinition } from '../../agents/define';
import { defaultDataDir } from '../../temporal-config/data-dir';
import { OpsStore } from './store';
import { opsTools } from './tools';

/**
 * Where the example keeps its store: `ops.sqlite` in the data directory (`DURABLE_AGENT_DATA_DIR`, else the user's
 * state directory: temporal-config/data-dir.ts), so a worker and the CLI started in different folders share it.
 * Tests give each run its own DURABLE_AGENT_DATA_DIR.
 */
export function opsStorePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultDataDir(env), 'ops.sqlite');
}

/**
 * The ops agent over the store at `storePath` (default: `opsStorePath()`, read when the first tool runs). The store
 * opens on first use, in the worker, so defining the agent (as the CLI does to check names) touches no file.
 *
 * @example
 * const agent = createOpsAgent({ storePath: '/var/lib/shop/ops.sqlite' });
 */
export function createOpsAgent(opts: { storePath?: string } = {}): AgentDefinition {
  let shared: OpsStore | undefined;
  const tools = opsTools(() => (shared ??= new OpsStore(opts.storePath ?? opsStorePath())));
  return defineAgent({
    name: 'ops',
    model: 'claude-sonnet-4-6',
    system: [
      'You are an operations assistant for a small online shop. You look up customers and orders,',
      'book callbacks and issue refunds with the tools you have. Use ISO 8601 date-times with a time zone.',
      'Refunds are irreversible: propose them with the exact amount and reason; a person approves them.',
      'Before each tool call, say in one sentence why you are making it.',
    ].join(' '),
    tools: [tools.lookupCustomer, tools.listOrders, tools.scheduleCallback, tools.issueRefund],
    limits: { maxSteps: 12, maxTokens: 100_000 },
  });
}

/** The ops agent over the default store (`opsStorePath()`: DURABLE_AGENT_DATA_DIR, else the user's state directory). */
export const opsAgent = createOpsAgent();

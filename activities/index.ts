/**
 * The activities a worker registers, built from injected dependencies (the Anthropic client, the agent registry)
 * so tests and the worker share one factory.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { AgentRegistry } from '../agents/registry';
import type { BlobStore } from '../stores/blob-store';
import type { PayloadSettings } from '../common/config';
import type { AgentSpec } from '../common/run';
import type { CallCheck, CheckToolArgsInput, ModelCallInput, ModelCallResult, ToolActivityInput, VerifyActionInput } from '../common/model';
import type { ArchiveRecordInput, ArchivedRecord } from '../common/run-record';
import { describeAgent } from './agent-describe';
import { createModelCall } from './model-call';
import { createArchiveRecord } from './record-archive';
import { createToolActivity, createVerifyActivity } from './tool-call';
import { toolActivityName, UNKNOWN_AGENT, verifyActivityName } from '../common/failures';
import { ApplicationFailure } from '@temporalio/common';

export interface ActivityDeps {
  registry: AgentRegistry;
  anthropic: Anthropic;
  scripted: boolean;
  /** Conversation segments and large tool outputs (stores/). */
  store: BlobStore;
  /** Size limits from the worker's configuration (`configFromEnv().payloads`); common/defaults.ts's otherwise. */
  payloads?: Pick<PayloadSettings, 'maxContextBytes' | 'inlineResultBytes'>;
  /** DURABLE_AGENT_MODEL: every agent's model replaced by this one. */
  modelOverride?: string;
}

/** The statically named activities, as the workflow sees them (it imports this type only). */
export interface AgentActivities {
  'agent.describe'(agent: string): Promise<AgentSpec>;
  'agent.checkToolArgs'(input: CheckToolArgsInput): Promise<CallCheck>;
  'model.call'(input: ModelCallInput): Promise<ModelCallResult>;
  /** Writes an execution's trace and ledger to the store (activities/record-archive.ts). */
  'agent.archiveRecord'(input: ArchiveRecordInput): Promise<ArchivedRecord>;
}

/** Tool activities are named per tool (`tool.issue_refund`), so the workflow calls them by computed name. */
export type ToolActivity = (input: ToolActivityInput) => Promise<unknown>;
/** `tool.<name>.verify`: confirms an action's effect after it ran. */
export type VerifyActivity = (input: VerifyActionInput) => Promise<{ ok: boolean; detail: string }>;

export function createActivities(deps: ActivityDeps): Record<string, (...args: never[]) => Promise<unknown>> {
  const named: AgentActivities = {
    'agent.describe': (agent) => knownAgent(() => describeAgent(deps, agent)),
    'agent.checkToolArgs': ({ agent, tool, toolUseId, args }) =>
      knownAgent(() => deps.registry.checkCall(agent, { toolUseId, toolName: tool, input: args }, { by: 'person' })),
    'model.call': createModelCall(deps),
    'agent.archiveRecord': createArchiveRecord(deps.store),
  };
  const tools: Record<string, ToolActivity> = {};
  const verifiers: Record<string, VerifyActivity> = {};
  for (const tool of deps.registry.allTools()) {
    tools[toolActivityName(tool.name)] = createToolActivity(tool, deps.store, deps.payloads?.inlineResultBytes);
    if (tool.verify) verifiers[verifyActivityName(tool.name)] = createVerifyActivity(tool, deps.store);
  }
  return { ...named, ...tools, ...verifiers };
}

/** An unknown agent will not become known by retrying: fail the activity for good. */
async function knownAgent<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && err.name === 'UnknownAgentError') throw ApplicationFailure.nonRetryable(err.message, UNKNOWN_AGENT);
    throw err;
  }
}

/**
 * The agents a worker (or the CLI) knows, looked up by name; and the checks that stand between a model's proposed
 * tool call and its execution.
 */
import type { AgentSpec } from '../common/run';
import type { ToolCallError } from '../common/trace';
import type { CallCheck } from '../common/model';
import {
  acts,
  DEFAULT_ESCALATION_TIMEOUT_MS,
  DEFAULT_LIMITS,
  DEFAULT_MAX_TOKENS,
  DEFAULT_MIN_CONFIDENCE,
  modelFacingInput,
  toolInputJsonSchema,
  type AgentDefinition,
  type ToolDefinition,
} from './define';
import { declaredOnly, describe, formatFieldErrors, validateAgainst } from './validate';
import { priceOf } from './prices';
import { AGENT_DEFAULTS, TOOL_DEFAULTS } from '../common/defaults';

export class UnknownAgentError extends Error {
  override name = 'UnknownAgentError';
}

/** How soon a tool call on a dead worker is retried elsewhere, unless the tool sets its own. */
export const DEFAULT_TOOL_HEARTBEAT_MS = TOOL_DEFAULTS.heartbeatTimeoutMs;

export class AgentRegistry {
  private readonly agents = new Map<string, AgentDefinition>();

  constructor(agents: AgentDefinition[]) {
    for (const agent of agents) {
      if (this.agents.has(agent.name)) throw new Error(`two agents are named "${agent.name}"`);
      this.agents.set(agent.name, agent);
    }
  }

  names(): string[] {
    return [...this.agents.keys()];
  }

  get(name: string): AgentDefinition {
    const agent = this.agents.get(name);
    if (!agent) {
      throw new UnknownAgentError(`unknown agent "${name}" (known: ${this.names().join(', ') || 'none'})`);
    }
    return agent;
  }

  /** Every tool of every agent, by name; tools shared between agents must be the same definition. */
  allTools(): ToolDefinition[] {
    const byName = new Map<string, ToolDefinition>();
    for (const agent of this.agents.values()) {
      for (const tool of agent.tools) {
        const existing = byName.get(tool.name);
        if (existing && existing !== tool) {
          throw new Error(`two different tools are named "${tool.name}"; tool names are activity names, so must be unique`);
        }
        byName.set(tool.name, tool);
      }
    }
    return [...byName.values()];
  }

  /**
   * What the workflow needs to know of an agent, as plain JSON (the describe activity adds the stored system
   * prompt). `modelOverride` (the worker's DURABLE_AGENT_MODEL) replaces the agent's model.
   */
  spec(name: string, modelOverride?: string): AgentSpec {
    const agent = this.get(name);
    const model = modelOverride || agent.model;
    return {
      name: agent.name,
      model,
      maxTokens: agent.maxTokens ?? DEFAULT_MAX_TOKENS,
      price: agent.price ?? priceOf(model),
      approvers: agent.approvers ?? [],
      ...(agent.approverKeys ? { approverKeys: agent.approverKeys } : {}),
      minConfidence: agent.minConfidence ?? DEFAULT_MIN_CONFIDENCE,
      limits: { ...DEFAULT_LIMITS, ...agent.limits },
      correctiveRetries: agent.correctiveRetries ?? AGENT_DEFAULTS.correctiveRetries,
      escalationTimeoutMs: agent.escalationTimeoutMs ?? DEFAULT_ESCALATION_TIMEOUT_MS,
      // Only when set: the spec is recorded in history, and agents without it record what they always did.
      ...(agent.modelRetry?.rateLimitBudgetMs !== undefined ? { modelRetry: { rateLimitBudgetMs: agent.modelRetry.rateLimitBudgetMs } } : {}),
      tools: agent.tools.map((tool) => ({
        name: tool.name,
        effect: tool.effect,
        ...(tool.approvers ? { approvers: tool.approvers } : {}),
        ...(tool.minConfidence !== undefined ? { minConfidence: tool.minConfidence } : {}),
        startToCloseTimeoutMs: tool.timeoutMs ?? TOOL_DEFAULTS.startToCloseTimeoutMs,
        // The tool activity heartbeats by itself while `run` is in flight, so a dead worker is noticed in seconds.
        heartbeatTimeoutMs: tool.heartbeatTimeoutMs ?? DEFAULT_TOOL_HEARTBEAT_MS,
        maximumAttempts: tool.maximumAttempts ?? TOOL_DEFAULTS.maximumAttempts,
        ...(tool.verify ? { verifies: true } : {}),
      })),
    };
  }

  /**
   * The `tools` parameter of a Messages API request: the agent's tools that the run has (`recorded`, the names in
   * its spec; all when absent) and may use (`scope`).
   */
  modelTools(
    name: string,
    { scope, recorded }: { scope?: string[]; recorded?: string[] } = {},
  ): { name: string; description: string; input_schema: ReturnType<typeof toolInputJsonSchema> }[] {
    const tools = this.get(name).tools.filter((tool) => (!scope || scope.includes(tool.name)) && (!recorded || recorded.includes(tool.name)));
    return tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: toolInputJsonSchema(tool),
    }));
  }

  /**
   * Validates a proposed call before anything may dispatch it: unknown tools and schema failures are refused.
   * `by: 'person'` checks a person's edit against the tool's own schema (no confidence fields). `recorded` (the
   * tool names in the run's spec) is what the run has: a tool outside it is unknown to the run, whatever this
   * worker defines; a recorded tool this worker no longer defines is refused as unavailable (a person decides).
   */
  checkCall(
    agentName: string,
    call: { toolUseId: string; toolName: string; input: unknown },
    { by = 'model', recorded }: { by?: 'model' | 'person'; recorded?: string[] } = {},
  ): CallCheck {
    const { toolUseId, toolName, input } = call;
    const agent = this.get(agentName);
    const known = recorded ?? agent.tools.map((t) => t.name);
    const tool = known.includes(toolName) ? agent.tools.find((t) => t.name === toolName) : undefined;
    if (!tool && known.includes(toolName)) {
      return fail({
        tool: toolName,
        toolUseId,
        code: 'tool_unavailable',
        message: `The tool "${toolName}" is not available on this worker any more (the agent was changed while this run was in flight). Nothing was executed; a person decides what happens next.`,
      });
    }
    if (!tool) {
      return fail({
        tool: toolName,
        toolUseId,
        code: 'unknown_tool',
        // The name as the model sent it, bounded and with invisible characters shown: a near miss such as
        // "issue_refund\u200b" must read as what it is, and a 1 MB name must not come back 1 MB long.
        message: `There is no tool named ${describe(toolName)}. Nothing was executed. Available tools: ${known.join(', ')}.`,
      });
    }
    const schema = by === 'model' ? modelFacingInput(tool) : tool.input;
    const outcome = validateAgainst(schema, input);
    if (!outcome.ok) {
      return fail({
        tool: toolName,
        toolUseId,
        code: 'invalid_input',
        fields: outcome.fields,
        message:
          `The arguments for "${toolName}" do not match its input schema, so it was not executed:\n` +
          `${formatFieldErrors(outcome.fields)}\nFix these fields and call the tool again.`,
      });
    }
    // The arguments travel on untransformed (the tool activity parses them again: defence in depth, and zod
    // transforms stay on the worker), with only the keys the tool declares. Confidence and rationale are the
    // framework's, not the tool's: split them off.
    const { confidence, rationale, ...args } = input as Record<string, unknown>;
    const own = declaredOnly(tool.input, by === 'model' && acts(tool) ? args : (input as Record<string, unknown>));
    const tightenedBy = approvalRule(tool, validateAgainst(tool.input, own));
    return {
      ok: true,
      args: own,
      ...(by === 'model' && acts(tool) ? { confidence: confidence as number, rationale: rationale as string } : {}),
      ...(tightenedBy ? { tightenedBy } : {}),
    };
  }
}

/** A tool's own approval rule; a rule that throws asks for approval rather than letting the call through. */
function approvalRule(tool: ToolDefinition, parsed: ReturnType<typeof validateAgainst>): string | undefined {
  if (!tool.requiresApproval || !parsed.ok) return undefined;
  try {
    return tool.requiresApproval(parsed.value) || undefined;
  } catch (err) {
    return `the approval rule of "${tool.name}" failed (${err instanceof Error ? err.message : String(err)})`;
  }
}

function fail(error: ToolCallError): CallCheck {
  return { ok: false, error };
}

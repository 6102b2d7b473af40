/**
 * The authoring API: tools and agents are defined once, with zod, and everything else is derived from that one
 * definition: the JSON Schema the model sees, validation before dispatch, the policy a call runs under.
 *
 * This module runs in the worker and the CLI, never inside the workflow sandbox: tool code does I/O.
 */
import type { ApproverKeys } from '../common/approval-proof';
import { AGENT_DEFAULTS, MODEL_STEP_DEFAULTS } from '../common/defaults';
import { z } from 'zod';
import type { AgentModelRetry, ModelPrice, RunLimits, ToolEffect } from '../common/run';
import type { ToolRunContext } from '../common/model';

export interface ToolDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** `snake_case`, as the model calls it; also names the activity (`tool.<name>`). */
  name: string;
  /** What the tool does and when to use it: the model reads this. */
  description: string;
  input: I;
  output?: O;
  effect: ToolEffect;
  /** Executes the call. Arguments are already validated. Throw `ToolError` for a failure not worth retrying. */
  run: (args: z.output<I>, context: ToolRunContext) => Promise<z.input<O>>;
  /**
   * Confirms an action's effect after it ran (for example reads the refund back). Return `true`, or a string
   * saying what is wrong; a failed verification escalates to a person.
   */
  verify?: (args: z.output<I>, result: z.output<O>, context: ToolRunContext) => Promise<true | string>;
  /** How soon a call on a dead worker is noticed and retried elsewhere, ms (default 5 s). The call heartbeats while it runs. */
  heartbeatTimeoutMs?: number;
  /** Attempts Temporal makes on a retryable failure (an ordinary thrown Error). Default 3. */
  maximumAttempts?: number;
  /** Start-to-close timeout of one attempt, ms. Default 30 s. */
  timeoutMs?: number;
  /** People who may approve this tool's escalated calls (overrides the agent's list). */
  approvers?: string[];
  /** Calls stating a lower confidence are escalated instead of executed (overrides the agent's threshold). */
  minConfidence?: number;
  /**
   * Tightens the policy for one call: return why it needs a person's approval (for example an amount above a
   * limit), or nothing. It can only add approval; it cannot let an irreversible call run unapproved.
   */
  requiresApproval?: (args: z.output<I>) => string | undefined;
}

/**
 * Defines a tool.
 *
 * @example
 * const lookupCustomer = defineTool({
 *   name: 'lookup_customer',
 *   description: 'Find a customer by email. Use before acting on an account.',
 *   input: z.object({ email: z.email().describe('The customer\'s email address') }),
 *   effect: 'read',
 *   run: async ({ email }) => store.customerByEmail(email),
 * });
 */
export function defineTool<I extends z.ZodType, O extends z.ZodType = z.ZodType>(
  tool: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) {
    throw new Error(`tool name "${tool.name}" must match ^[a-zA-Z0-9_-]{1,64}$ (the Messages API's rule)`);
  }
  if (!(tool.input instanceof z.ZodObject)) throw new Error(`tool "${tool.name}": the input schema must be a z.object(...)`);
  if (acts(tool)) {
    for (const field of Object.keys(CONFIDENCE_FIELDS)) {
      if (field in tool.input.shape) {
        throw new Error(`tool "${tool.name}": "${field}" is added by durable-agent to tools that act; rename the tool's field`);
      }
    }
  }
  return tool;
}

export interface AgentDefinition {
  /** Names the agent in `durable-agent run <agent>` and in workflow ids. */
  name: string;
  /** The Anthropic model id, for example `claude-sonnet-4-6`. `DURABLE_AGENT_MODEL` overrides it. */
  model: string;
  system: string;
  // Tools are heterogeneous in their schemas; the registry treats them uniformly.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tools: ToolDefinition<any, any>[];
  limits?: Partial<RunLimits>;
  /** Corrective attempts after a failed tool call before escalating. Default 1. */
  correctiveRetries?: number;
  /** How long an escalation waits for a person, ms. Default 24 h. */
  escalationTimeoutMs?: number;
  /** max_tokens for each model call. Default 4096. */
  maxTokens?: number;
  /** People who may resolve this agent's escalations. Absent: anyone who names themselves. */
  approvers?: string[];
  /**
   * Public keys (ed25519, 32 raw bytes as base64url: `durable-agent keygen` prints one) that prove who resolved an
   * escalation. With any key set, every resolution must be signed by the person in `by` (`people`) or by an
   * issuer that vouches for them (`issuers`: the inbox behind an authenticating proxy). Without keys, anyone with
   * write access to the namespace can resolve as anyone (the worker says so at start).
   */
  approverKeys?: ApproverKeys;
  /** Calls that act, stating a confidence below this, are escalated. Default 0.5. */
  minConfidence?: number;
  /** The model's price, for the cost budget; defaults to agents/prices.ts. */
  price?: ModelPrice;
  /**
   * The model step's retries: `rateLimitBudgetMs` is how long one step rides out rate limits and overload (429,
   * 529), honouring `retry-after`, before the run escalates (default 10 min). A run may lower it, never raise it.
   *
   * @example
   * defineAgent({ name: 'ops', model, system, tools, modelRetry: { rateLimitBudgetMs: 30 * 60_000 } });
   */
  modelRetry?: AgentModelRetry;
}

/**
 * Fields the framework adds to the input schema of every tool that acts (write, irreversible), so no tool author
 * has to: the model states how sure it is and why. They are checked, recorded, and stripped before `run`.
 */
export const CONFIDENCE_FIELDS = {
  confidence: z.number().min(0).max(1).describe('How sure you are that this action is right, from 0 to 1'),
  rationale: z.string().min(1).describe('Why this action is right, in one or two sentences, for the person who reviews it'),
};

/** True for tools whose calls change the world: they carry confidence and rationale. */
export function acts(tool: Pick<ToolDefinition, 'effect'>): boolean {
  return tool.effect !== 'read';
}

/** The schema the model's arguments are checked against: the tool's own, plus the confidence fields when it acts. */
export function modelFacingInput(tool: ToolDefinition): z.ZodType {
  if (!acts(tool)) return tool.input;
  return (tool.input as unknown as z.ZodObject).extend(CONFIDENCE_FIELDS);
}

// The agent defaults, named here for the authoring API; their values live in common/defaults.ts.
export const DEFAULT_LIMITS: RunLimits = { ...AGENT_DEFAULTS.limits };
export const DEFAULT_ESCALATION_TIMEOUT_MS = AGENT_DEFAULTS.escalationTimeoutMs;
export const DEFAULT_MIN_CONFIDENCE = AGENT_DEFAULTS.minConfidence;
/** The `max_tokens` of a model step when the agent sets none. */
export const DEFAULT_MAX_TOKENS = MODEL_STEP_DEFAULTS.maxTokens;

/**
 * Defines an agent.
 *
 * @example
 * export const opsAgent = defineAgent({
 *   name: 'ops', model: 'claude-sonnet-4-6', system: 'You are an operations assistant...',
 *   tools: [lookupCustomer, scheduleCallback, issueRefund], limits: { maxSteps: 12 },
 * });
 */
export function defineAgent(agent: AgentDefinition): AgentDefinition {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(agent.name)) {
    throw new Error(`agent name "${agent.name}" must be lowercase letters, digits and dashes`);
  }
  const seen = new Set<string>();
  for (const tool of agent.tools) {
    if (seen.has(tool.name)) throw new Error(`agent "${agent.name}" has two tools named "${tool.name}"`);
    seen.add(tool.name);
  }
  return agent;
}

/** The JSON Schema the model sees, derived from the zod input schema (never written by hand). */
export function toolInputJsonSchema(tool: ToolDefinition): { type: 'object'; [key: string]: unknown } {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(modelFacingInput(tool), { io: 'input' }) as Record<string, unknown>;
  if (schema.type !== 'object') throw new Error(`tool "${tool.name}": the input schema must be a z.object(...)`);
  return { ...schema, type: 'object' };
}

/** A tool fails on purpose and should not be retried: the message goes back to the model. */
export class ToolError extends Error {
  override name = 'ToolError';
}

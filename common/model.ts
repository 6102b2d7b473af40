/**
 * The model step's activity contract. Messages use the Anthropic Messages API's JSON shapes, restated here as
 * plain types so workflow code never imports the SDK.
 */
import type { ConversationRef } from './conversation';
import type { ToolCallError, TokenUsage } from './trace';

export interface TextBlock {
  type: 'text';
  text: string;
}
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  is_error?: boolean;
  /**
   * Ours, never sent to the API: the result was offloaded to the blob store (`content` is then a short note); the
   * model step puts the stored value back as `content` before the request.
   */
  offloaded?: { key: string; bytes: number };
}
/** A block the model sent that we do not interpret (kept so the conversation is replayed to it unchanged). */
export interface OtherBlock {
  type: string;
  [key: string]: unknown;
}
export type AssistantBlock = TextBlock | ToolUseBlock | OtherBlock;

export type ChatMessage =
  | { role: 'user'; content: string | (TextBlock | ToolResultBlock)[] }
  | { role: 'assistant'; content: AssistantBlock[] };

export interface ModelCallInput {
  agent: string;
  /**
   * The conversation by reference: the stored chain (null before the first step) and the messages added since.
   * The activity loads the chain, sends the whole conversation to the model, and stores `append` plus the answer.
   */
  conversation?: ConversationRef | null;
  append?: ChatMessage[];
  /** The whole conversation, as workflows before conversation references sent it (still accepted from them). */
  messages?: ChatMessage[];
  correlationId: string;
  workflowId: string;
  step: number;
  scenario?: string;
  /** The run's scope: only these tools are offered to the model (the workflow refuses the others anyway). */
  scope?: string[];
  /**
   * What the run's recorded spec fixed (AgentSpec): the model, `max_tokens`, the system prompt, and the tools the
   * run has. Only these tools are offered and accepted; a call to any other is refused as unknown. Absent from
   * inputs of workflow code older than this field: the live agent's then apply.
   */
  model?: string;
  maxTokens?: number;
  system?: { key: string; bytes: number };
  tools?: string[];
  /**
   * How the activity itself bounds its retries (absent from inputs of workflow code older than the rate-limit
   * budget: the retry policy's attempt count then bounds every failure). Rate limits and overload are retried
   * until `rateLimitBudgetMs` is spent; every other retryable failure has `maximumAttempts` attempts.
   */
  retry?: {
    rateLimitBudgetMs: number;
    maximumAttempts: number;
    /**
     * The step's backoff, as its retry policy says: the activity names each retry's jittered delay from it. Carried
     * here because an eagerly dispatched activity task (server 1.29.1, `system.enableActivityEagerExecution`)
     * reaches the worker without its retry policy. Absent from inputs recorded before it was: the task's policy.
     */
    backoff?: { initialIntervalMs: number; backoffCoefficient: number; maximumIntervalMs: number };
  };
}

/**
 * A tool call as the model proposed it, already checked against the tool's schema by the activity (which has the
 * zod schemas; the workflow bundle does not). The check is recorded in history with the response, so replay
 * never re-runs validation.
 */
export interface ProposedToolCall {
  toolUseId: string;
  name: string;
  input: unknown;
  check: CallCheck;
}

/** The verdict on a call's arguments. For tools that act, the model's confidence and rationale are split off. */
export type CallCheck =
  | {
      ok: true;
      /** The tool's own arguments (without confidence and rationale). */
      args: Record<string, unknown>;
      confidence?: number;
      rationale?: string;
      /** Why an agent or tool rule asks a person to approve this call, if one does. */
      tightenedBy?: string;
    }
  | { ok: false; error: ToolCallError };

export interface ModelCallResult {
  model: string;
  content: AssistantBlock[];
  /** Text blocks joined: the model's words, including the reasoning before its tool calls. */
  text: string;
  stopReason: string | null;
  usage: TokenUsage;
  toolCalls: ProposedToolCall[];
  /**
   * Content blocks the agent could not use (unknown block types, tool_use blocks without id or name). Nothing in
   * them runs; the model is told, and the turn counts as a failed one (corrective attempt, then escalation). In
   * `content` each is replaced by a short note, so the conversation sent back stays valid. Absent when there are
   * none (and in results recorded before this field existed).
   */
  refusedBlocks?: ToolCallError[];
  /** The conversation's new head: the request's messages plus this answer, stored. Absent in older results. */
  conversation?: ConversationRef;
  /** How many attempts the step took and why, when it took more than one (common/attempts.ts). */
  attempts?: AttemptsSummary;
}

/** Why one attempt of an activity did not give the result: what its heartbeat recorded, or that it recorded nothing. */
export interface AttemptRecord {
  attempt: number;
  /**
   * `rate_limited` and `overloaded` spend the rate-limit budget; `worker_lost` is an attempt that recorded no
   * failure (its worker died, or it timed out); `failed` is any other retried failure.
   */
  kind: 'rate_limited' | 'overloaded' | 'server_error' | 'transport' | 'failed' | 'worker_lost';
  /** The failure's message, short. */
  reason?: string;
  /** The delay the attempt asked for before the next one (retry-after, or the jittered backoff). */
  waitMs?: number;
}

/**
 * How many attempts an activity took, and why the failed ones failed: computed by the activity from its attempt
 * number and what earlier attempts recorded in their heartbeat details, so history keeps no event per attempt.
 */
export interface AttemptsSummary {
  /** Attempts in all, the successful (or last) one included. */
  count: number;
  /** Each failed attempt, in order. */
  reasons: AttemptRecord[];
  /** The delays the failed attempts asked for, in all. */
  waitedMs: number;
}

/** Context passed to every tool call: where it comes from, and the key that makes a retried side effect safe. */
export interface ToolCallContext {
  correlationId: string;
  workflowId: string;
  runId: string;
  toolUseId: string;
  step: number;
  /** Derived from the workflow and the tool call: the same on every retry of this call. */
  idempotencyKey: string;
  /** Who approved the call, when a person did. */
  approvedBy?: string;
}

/** What a tool's `run` receives besides its arguments: the call's context, plus liveness and cancellation. */
export interface ToolRunContext extends ToolCallContext {
  /** Long tools call this regularly: it keeps the attempt alive and is how cancellation reaches the tool. */
  heartbeat(details?: unknown): void;
  /** Aborted when the run is cancelled (or the attempt times out): stop and clean up. */
  signal: AbortSignal;
}

export interface ToolActivityInput {
  args: Record<string, unknown>;
  context: ToolCallContext;
  /**
   * Return `{ output, attempts? }` instead of the output alone, so the workflow learns how many attempts the call
   * took. Absent from inputs of workflow code older than that (they get the output alone).
   */
  reportAttempts?: boolean;
}

/** A tool activity's result when its input asked for `reportAttempts`. */
export interface ReportedToolOutput {
  output: unknown;
  attempts?: AttemptsSummary;
}

/** A person's edited arguments, checked against the tool's own schema (people state no confidence). */
export interface VerifyActionInput {
  args: Record<string, unknown>;
  result: unknown;
  context: ToolCallContext;
}

export interface CheckToolArgsInput {
  agent: string;
  tool: string;
  toolUseId: string;
  args: unknown;
}

/**
 * The trace: one typed event per thing that happened in a run.
 *
 * Events cross the workflow boundary (query results, workflow results, JSONL export), so they are plain JSON
 * objects. The vocabulary is fixed and documented in docs/trace.md; adding a kind is a versioned change.
 */
import type { Escalation, Resolution } from './escalation';
import type { AttemptsSummary } from './model';
import type { LedgerEntry, Recommendation } from './run';

/** Bumped when an event's shape changes incompatibly; exported with every event. */
export const TRACE_SCHEMA_VERSION = 1;

export const TRACE_KINDS = [
  'model_request',
  'model_response',
  'tool_call',
  'validation_error',
  'corrective_retry',
  'tool_result',
  'tool_error',
  'escalation',
  'resolution',
  'limit_reached',
  'recommendation',
  'action',
  'verification',
  'completion',
  'failure',
  'policy_change',
] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** One field that failed a tool's input or output schema, in words a model (and a person) can act on. */
export interface FieldError {
  /** Dotted path into the arguments, `(root)` for the whole value. */
  path: string;
  expected: string;
  received: string;
}

export const TOOL_CALL_ERROR_CODES = [
  'unknown_tool',
  'invalid_input',
  'out_of_scope',
  'invalid_output',
  'tool_failed',
  'rejected',
  /** The response hit `max_tokens` while this call was being written: its arguments may be cut short. */
  'truncated_call',
  /** A content block the agent cannot use (an unknown type, a tool_use without id or name); `tool` is `(content block)`. */
  'invalid_block',
  /** The tool is in the run's recorded spec, but the worker that took the step no longer has it: a person decides. */
  'tool_unavailable',
] as const;

/** Why a tool call was not executed, or failed: what goes back to the model as an `is_error` tool_result. */
export interface ToolCallError {
  tool: string;
  toolUseId: string;
  code: (typeof TOOL_CALL_ERROR_CODES)[number];
  message: string;
  fields?: FieldError[];
}

interface TraceEventBase {
  v: typeof TRACE_SCHEMA_VERSION;
  /** Position of the event in the run's trace, from 0. */
  seq: number;
  correlationId: string;
  workflowId: string;
  runId: string;
  /** The model step the event belongs to (1 for the first model call). */
  step: number;
  /** ISO 8601, from the workflow's deterministic clock. */
  at: string;
}

export type TraceEventBody =
  | { kind: 'model_request'; model: string; messageCount: number }
  | {
      kind: 'model_response';
      /** The model's text, including the reasoning that preceded its tool calls. */
      text: string;
      stopReason: string | null;
      toolCalls: { toolUseId: string; name: string }[];
      usage: TokenUsage;
      /** When the step took more than one attempt: how many, and why. Absent in events recorded before this field. */
      attempts?: AttemptsSummary;
    }
  | {
      kind: 'tool_call';
      toolUseId: string;
      tool: string;
      /** Exactly the arguments the tool received (the keys its schema declares). */
      args: unknown;
      reasoning: string;
      effect: string;
      /** What the model actually sent, when it sent keys beyond those (kept as evidence, e.g. of an injection). */
      sent?: unknown;
    }
  | { kind: 'validation_error'; error: ToolCallError; args: unknown }
  | { kind: 'corrective_retry'; attempt: number; of: number; errors: ToolCallError[] }
  | {
      kind: 'tool_result';
      toolUseId: string;
      tool: string;
      result: unknown;
      /** When the call took more than one attempt: how many, and why. Absent in events recorded before this field. */
      attempts?: AttemptsSummary;
    }
  | { kind: 'tool_error'; error: ToolCallError }
  | { kind: 'escalation'; escalation: Escalation }
  | { kind: 'resolution'; resolution: Resolution; accepted: boolean; note?: string }
  | { kind: 'limit_reached'; limit: 'steps' | 'tokens' | 'cost' | 'time'; value: number; max: number }
  /** An advise-mode run recorded an action it would take; `status` says what a person made of it. */
  | { kind: 'recommendation'; recommendation: Recommendation }
  /** A write or irreversible call ran: its ledger entry. */
  | { kind: 'action'; entry: LedgerEntry }
  /** The tool's verify() checked an action's effect. */
  | { kind: 'verification'; toolUseId: string; tool: string; ok: boolean; detail: string }
  | { kind: 'completion'; status: 'completed' | 'timed_out' | 'cancelled'; text: string; by?: string }
  | { kind: 'failure'; errorType: string; message: string }
  /** A continued execution found the agent's policy stricter than the run recorded: the stricter applies. */
  | { kind: 'policy_change'; tightened: string[] };

export type TraceEvent = TraceEventBase & TraceEventBody;

/**
 * The events of one kind, typed as that kind.
 *
 * @example
 * const refused = eventsOfKind(trace, 'validation_error').map((e) => e.error.tool);
 */
export function eventsOfKind<K extends TraceKind>(trace: readonly TraceEvent[], kind: K): Extract<TraceEvent, { kind: K }>[] {
  return trace.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}

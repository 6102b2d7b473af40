/**
 * Escalations: the points where a run stops and waits for a person, and the decisions that resolve them.
 * Plain JSON, shared by the workflow (which raises and validates them) and the client and CLI (which resolve them).
 */
import type { ApproverKeys, ResolutionProof } from './approval-proof';
import type { ToolCallError } from './trace';

export const DECISIONS = ['approve', 'reject', 'edit', 'answer', 'abort'] as const;
export type Decision = (typeof DECISIONS)[number];

export type EscalationKind =
  /** An irreversible tool call waits for a person's approval before it runs. */
  | 'approval_required'
  /** The model failed its corrective attempt(s): the offending calls and errors are attached. */
  | 'invalid_tool_calls'
  /** A run limit (steps, tokens, cost or time) was reached. */
  | 'limit_reached'
  /** A call that acts stated a confidence below the threshold: its rationale goes to a person. */
  | 'low_confidence'
  /** An advise-mode run recommends an action: a person may approve it, and it then runs. */
  | 'recommendation'
  /** A tool's verify() could not confirm the effect of an action that ran. */
  | 'verification_failed'
  /** The model step kept failing (overloaded, server errors, timeouts, rate limits) or hit a spend limit. */
  | 'model_unavailable'
  /** A stored conversation segment did not match its key: a person repairs the store (or ends the run). */
  | 'store_corrupt';

/**
 * Which decisions make sense for which kind. `approve` on a call that was never valid, or `edit` on a limit,
 * would be a person's mistake: the resolution validator rejects them with this table as the reason.
 */
export const ALLOWED_DECISIONS: Record<EscalationKind, readonly Decision[]> = {
  approval_required: ['approve', 'reject', 'edit', 'answer', 'abort'],
  invalid_tool_calls: ['reject', 'edit', 'answer', 'abort'],
  limit_reached: ['approve', 'reject', 'answer', 'abort'],
  low_confidence: ['approve', 'reject', 'edit', 'answer', 'abort'],
  recommendation: ['approve', 'reject', 'edit', 'abort'],
  verification_failed: ['approve', 'reject', 'answer', 'abort'],
  // approve: try the step again; answer: the same, with the person's words added for the model; reject: the run
  // ends failed with the model's error. There is no call to edit.
  model_unavailable: ['approve', 'reject', 'answer', 'abort'],
  // approve: try the step again (once the store is repaired); reject: the run ends failed.
  store_corrupt: ['approve', 'reject', 'abort'],
};

/** Every escalation kind, for code that must accept only known ones (metric labels). */
export const ESCALATION_KINDS = Object.keys(ALLOWED_DECISIONS) as EscalationKind[];

/** The tool call an escalation is about: what the model proposed, and why. */
export interface ProposedCall {
  toolUseId: string;
  tool: string;
  args: unknown;
  /** The model's text before the call. */
  reasoning: string;
  /** For tools that act: the model's stated confidence (0 to 1) and rationale. */
  confidence?: number;
  rationale?: string;
}

export interface Escalation {
  /** Unique within the run, stable across replays: `<workflowId>/esc-<n>`. */
  id: string;
  kind: EscalationKind;
  reason: string;
  step: number;
  /** ISO 8601 time it was raised. */
  raisedAt: string;
  /** ISO 8601 time after which it ends the run as timed out. */
  deadline: string;
  proposedCall?: ProposedCall;
  errors?: ToolCallError[];
  /** For `invalid_tool_calls`: the calls that were refused, with the arguments the model tried. */
  refusedCalls?: RefusedCall[];
  allowedDecisions: readonly Decision[];
  /** Who may resolve it; empty means anyone who names themselves. */
  approvers: string[];
  /** When set, a resolution must carry a proof signed by one of these keys (common/approval-proof.ts). */
  approverKeys?: ApproverKeys;
  /** The proposed call repeats an earlier action or proposal of the run: running it takes `duplicateOf: ref`. */
  duplicateOf?: DuplicateOf;
}

/** A tool call the run refused before it ran: what the model tried. */
export interface RefusedCall {
  toolUseId: string;
  tool: string;
  args: unknown;
}

/** What an escalation or a recommendation repeats: `ref` names it (a tool_use id or an escalation id). */
export interface DuplicateOf {
  ref: string;
  /** For people: "already done at step 4 (toolu_...)", "same as wf/esc-1". */
  words: string;
}

export interface Resolution {
  escalationId: string;
  decision: Decision;
  /** Who decided: recorded in the trace. */
  by: string;
  /** For `edit`: the corrected tool arguments (validated against the tool's schema again). */
  args?: Record<string, unknown>;
  /** For `answer`: text given to the model. For `reject` and `abort`: an optional reason. */
  text?: string;
  /** The signature that proves who decided, when the agent configures approver keys. */
  proof?: ResolutionProof;
  /** Acknowledges that the escalation repeats an earlier action or proposal (its `duplicateOf`), to run it anyway. */
  duplicateOf?: string;
}

/** What the resolve Update returns once the workflow has acted on a resolution. */
export interface ResolutionOutcome {
  escalationId: string;
  decision: Decision;
  by: string;
  accepted: true;
  note: string;
}

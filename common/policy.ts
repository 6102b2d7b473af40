/**
 * Who may do what: the one place that decides, per authority mode and tool effect, whether a proposed call runs,
 * is only recorded as a recommendation, or waits for a person. The model never decides this; the workflow applies
 * it in code to every call, whatever the model's text says. docs/authority.md states the same table in words.
 */
import type { ToolEffect } from './run';

export const AUTHORITY_MODES = ['advise', 'act'] as const;
export type AuthorityMode = (typeof AUTHORITY_MODES)[number];

/** `run`: execute now. `recommend`: record for a person, do not execute. `approve`: a person approves first. */
export type PolicyDecision = 'run' | 'recommend' | 'approve';

export const POLICY_TABLE: Readonly<Record<AuthorityMode, Readonly<Record<ToolEffect, PolicyDecision>>>> = {
  act: { read: 'run', write: 'run', irreversible: 'approve' },
  advise: { read: 'run', write: 'recommend', irreversible: 'recommend' },
};

/** How much a tool's effect asks of the policy: when two records of a tool disagree, the stricter effect wins. */
export const STRICTNESS_OF_EFFECT: Readonly<Record<ToolEffect, number>> = { read: 0, write: 1, irreversible: 2 };

/** Stricter decisions win: an agent or tool rule can add approval, never take it away. */
const STRICTNESS: Record<PolicyDecision, number> = { run: 0, approve: 1, recommend: 2 };

/**
 * The decision for one call. `tightenedBy` is the reason an agent's or tool's own rule asked for approval (for
 * example "refunds above 100.00 need approval"); it can only make the decision stricter.
 */
export function decide(mode: AuthorityMode, effect: ToolEffect, tightenedBy?: string): PolicyDecision {
  const base = POLICY_TABLE[mode][effect];
  if (!tightenedBy) return base;
  return STRICTNESS.approve > STRICTNESS[base] ? 'approve' : base;
}

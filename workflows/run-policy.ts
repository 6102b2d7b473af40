/**
 * Where a run's policy comes from. The agent's policy (tool effects, approvers, confidence thresholds, limit
 * ceilings, corrective budget) is the worker's: it comes from the registry through `agent.describe` in every
 * execution, never from workflow input. Run options, which any client of the namespace writes, can only narrow
 * it; and when a deploy changed the agent while a run was in flight, the stricter of what the run recorded and
 * what the worker says now applies.
 *
 * Pure and deterministic (no Temporal imports): test/unit/run-policy.unit.test.ts.
 */
import { canonicalJson, requiresProof } from '../common/approval-proof';
import { MODEL_RETRY_DEFAULTS } from '../common/defaults';
import { STRICTNESS_OF_EFFECT } from '../common/policy';
import type { AgentSpec, RunLimits, RunOptions, ToolSpec } from '../common/run';

/** The run's limits: each the lower of the agent's ceiling and the run's option (an option can only lower it). */
export function narrowedLimits(ceilings: RunLimits, requested: RunOptions['limits'] = {}): RunLimits {
  const lower = (ceiling: number | undefined, wanted: number | undefined) =>
    ceiling === undefined ? wanted : wanted === undefined ? ceiling : Math.min(ceiling, wanted);
  const limits: RunLimits = {
    maxSteps: lower(ceilings.maxSteps, requested.maxSteps) as number,
    maxTokens: lower(ceilings.maxTokens, requested.maxTokens) as number,
  };
  const maxCostUsd = lower(ceilings.maxCostUsd, requested.maxCostUsd);
  const maxDurationMs = lower(ceilings.maxDurationMs, requested.maxDurationMs);
  return { ...limits, ...(maxCostUsd !== undefined ? { maxCostUsd } : {}), ...(maxDurationMs !== undefined ? { maxDurationMs } : {}) };
}

export interface MergedSpec {
  spec: AgentSpec;
  /** What the current registry made stricter than the run's record, one line each (empty: nothing changed). */
  tightened: string[];
}

/**
 * The stricter of the spec a run recorded and the one its worker describes now. The run keeps what every step
 * uses (model, prompt, max_tokens, its tools); for each policy field the stricter value wins: the stricter effect,
 * the higher threshold, the lower ceiling and budget, the narrower approver list. A tool the current worker lacks
 * keeps its recorded policy (the model step refuses calls to it); a tool only the current worker has is not added.
 */
export function stricterSpec(recorded: AgentSpec, current: AgentSpec): MergedSpec {
  const tightened: string[] = [];
  const note = (what: string, from: unknown, to: unknown) => tightened.push(`${what}: ${JSON.stringify(from)} -> ${JSON.stringify(to)}`);

  const minConfidence = Math.max(recorded.minConfidence, current.minConfidence);
  if (minConfidence !== recorded.minConfidence) note('minConfidence', recorded.minConfidence, minConfidence);
  const correctiveRetries = Math.min(recorded.correctiveRetries, current.correctiveRetries);
  if (correctiveRetries !== recorded.correctiveRetries) note('correctiveRetries', recorded.correctiveRetries, correctiveRetries);
  const limits = narrowedLimits(recorded.limits, current.limits);
  for (const key of Object.keys(limits) as (keyof RunLimits)[]) {
    if (limits[key] !== recorded.limits[key]) note(`limits.${key}`, recorded.limits[key], limits[key]);
  }
  const approvers = narrowerApprovers(recorded.approvers, current.approvers);
  if (!sameList(approvers, recorded.approvers)) note('approvers', recorded.approvers, approvers);
  // The rate-limit budget is a ceiling too: the lower of the two (absent: the default).
  const budgetOf = (spec: AgentSpec) => spec.modelRetry?.rateLimitBudgetMs ?? MODEL_RETRY_DEFAULTS.rateLimitBudgetMs;
  const rateLimitBudgetMs = Math.min(budgetOf(recorded), budgetOf(current));
  if (rateLimitBudgetMs !== budgetOf(recorded)) note('modelRetry.rateLimitBudgetMs', budgetOf(recorded), rateLimitBudgetMs);
  const modelRetry = recorded.modelRetry || current.modelRetry ? { modelRetry: { ...recorded.modelRetry, rateLimitBudgetMs } } : {};

  const tools = recorded.tools.map((tool): ToolSpec => {
    const now = current.tools.find((t) => t.name === tool.name);
    if (!now) return tool;
    const merged: ToolSpec = { ...tool };
    if (STRICTNESS_OF_EFFECT[now.effect] > STRICTNESS_OF_EFFECT[tool.effect]) {
      merged.effect = now.effect;
      note(`${tool.name}.effect`, tool.effect, now.effect);
    }
    const threshold = Math.max(tool.minConfidence ?? 0, now.minConfidence ?? 0);
    if (threshold !== (tool.minConfidence ?? 0)) {
      merged.minConfidence = threshold;
      note(`${tool.name}.minConfidence`, tool.minConfidence ?? 0, threshold);
    }
    if (tool.approvers || now.approvers) {
      const list = narrowerApprovers(tool.approvers ?? approvers, now.approvers ?? approvers);
      if (!sameList(list, tool.approvers ?? approvers)) note(`${tool.name}.approvers`, tool.approvers ?? approvers, list);
      merged.approvers = list;
    }
    if (now.verifies && !tool.verifies) merged.verifies = true;
    return merged;
  });
  // Keys rotate: the current worker's keys apply once it has any (a run never goes back to unsigned approvals).
  const approverKeys = requiresProof(current.approverKeys) ? current.approverKeys : recorded.approverKeys;
  if (requiresProof(current.approverKeys) && canonicalJson(current.approverKeys) !== canonicalJson(recorded.approverKeys ?? {})) {
    tightened.push('approverKeys: replaced by the current ones');
  }
  return { spec: { ...recorded, minConfidence, correctiveRetries, limits, approvers, tools, ...(approverKeys ? { approverKeys } : {}), ...modelRetry }, tightened };
}

/**
 * The narrower of two approver lists. An empty list means anyone named may approve, so the other list is
 * narrower; two lists narrow to the people on both; when no one is on both, the current list applies (the deploy
 * that changed who may approve has the last word; no list at all would mean anyone).
 */
function narrowerApprovers(recorded: string[], current: string[]): string[] {
  if (recorded.length === 0) return current;
  if (current.length === 0) return recorded;
  const both = recorded.filter((p) => current.includes(p));
  return both.length > 0 ? both : current;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

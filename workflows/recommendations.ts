/**
 * Advise mode's last phase: each recommended action goes to a person, one escalation each. An approved (or edited)
 * recommendation runs as an action with that person recorded; a rejected one never runs.
 */
import type { RunContext } from './run-context';
import { runToolCall } from './tool-dispatch';

export async function reviewRecommendations(run: RunContext): Promise<void> {
  for (const recommendation of run.recommendations) {
    const tool = run.tool(recommendation.tool);
    if (!tool) continue;
    const repeat = recommendation.duplicateOf ? `; a duplicate: ${recommendation.duplicateOf.words}` : '';
    const resolution = await run.escalateOrEnd('recommendation', `recommended action: ${recommendation.tool} (advise mode)${repeat}`, {
      ...(recommendation.duplicateOf ? { duplicateOf: recommendation.duplicateOf } : {}),
      proposedCall: {
        toolUseId: recommendation.toolUseId,
        tool: recommendation.tool,
        args: recommendation.args,
        reasoning: recommendation.reasoning,
        ...(recommendation.confidence !== undefined ? { confidence: recommendation.confidence, rationale: recommendation.rationale } : {}),
      },
    });
    recommendation.decidedBy = resolution.by;
    if (resolution.decision === 'reject') {
      recommendation.status = 'rejected';
    } else {
      const args = resolution.decision === 'edit' ? (resolution.args as Record<string, unknown>) : recommendation.args;
      const edited = resolution.decision === 'edit' ? { edited: { by: resolution.by, proposedArgs: recommendation.args } } : {};
      const outcome = await runToolCall(run, { tool, toolUseId: recommendation.toolUseId, args, reasoning: recommendation.reasoning, approvedBy: resolution.by, ...edited });
      recommendation.status = 'approved';
      recommendation.result = outcome.failure ? outcome.block.content : outcome.result;
    }
    run.trace.record({ kind: 'recommendation', recommendation: { ...recommendation } });
  }
}

/**
 * Advise mode's last phase: each recommended action goes to a person, one escalation each. An approved (or edited)
 * recommendation runs as an action with that person recorded; a rejected one never runs.
 */
import type { RunContext } from './run-context';
import { execute } from './tool-dispatch';

export async function reviewRecommendations(run: RunContext): Promise<void> {
  for (const recommendation of run.recommendations) {
    const tool = run.tool(recommendation.tool);
    if (!tool) continue;
    const resolution = await run.escalate('recommendation', `recommended action: ${recommendation.tool} (advise mode)`, {
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
      const outcome = await execute(run, tool, recommendation.toolUseId, args, recommendation.reasoning, [], resolution.by);
      recommendation.status = 'approved';
      recommendation.result = outcome.ok ? outcome.result : outcome.block.content;
    }
    run.trace.record({ kind: 'recommendation', recommendation: { ...recommendation } });
  }
}

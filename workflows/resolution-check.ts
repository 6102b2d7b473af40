/**
 * Whether a resolution may be applied to the pending escalation. Pure, so the Update validator, the Signal handler
 * and the main loop (which re-checks when it takes the resolution) all apply exactly the same rules.
 */
import { proofProblem } from '../common/approval-proof';
import { DECISIONS, type Escalation, type Resolution } from '../common/escalation';

/** Returns why the resolution is refused, or undefined when it may be applied. */
export function resolutionProblem(pending: Escalation | null, resolution: Resolution): string | undefined {
  if (resolution === null || typeof resolution !== 'object') return 'a resolution must be an object';
  if (typeof resolution.by !== 'string' || resolution.by.trim() === '') return 'a resolution must name who decided ("by")';
  if (!DECISIONS.includes(resolution.decision)) {
    return `unknown decision "${String(resolution.decision)}" (expected one of ${DECISIONS.join(', ')})`;
  }
  if (!pending) return `escalation "${resolution.escalationId}" is not pending (this run has no pending escalation)`;
  if (resolution.escalationId !== pending.id) {
    return `escalation "${resolution.escalationId}" is not pending (the pending one is "${pending.id}")`;
  }
  if (pending.approvers.length > 0 && !pending.approvers.includes(resolution.by)) {
    return `"${resolution.by}" may not resolve this escalation (approvers: ${pending.approvers.join(', ')})`;
  }
  if (pending.duplicateOf && (resolution.decision === 'approve' || resolution.decision === 'edit') && resolution.duplicateOf !== pending.duplicateOf.ref) {
    return `this call repeats an earlier one (${pending.duplicateOf.words}); to run it anyway, the decision must name it (duplicateOf: "${pending.duplicateOf.ref}")`;
  }
  const unproven = proofProblem(pending, resolution);
  if (unproven) return unproven;
  if (!pending.allowedDecisions.includes(resolution.decision)) {
    return `decision "${resolution.decision}" does not apply to a ${pending.kind} escalation (allowed: ${pending.allowedDecisions.join(', ')})`;
  }
  if (resolution.decision === 'edit') {
    const args = resolution.args;
    if (args === null || typeof args !== 'object' || Array.isArray(args)) return '"edit" needs the corrected arguments as a JSON object ("args")';
  }
  if (resolution.decision === 'answer' && (typeof resolution.text !== 'string' || resolution.text.trim() === '')) {
    return '"answer" needs the text to give the model ("text")';
  }
  return undefined;
}

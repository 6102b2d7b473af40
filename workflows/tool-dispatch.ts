/**
 * From a proposed tool call to a tool_result for the model: refuse what failed its schema or lies outside the
 * run's scope, apply the policy table (run, recommend, or wait for a person), escalate low confidence, execute.
 * Every refusal and decision here is made by code, whatever the model's text claims.
 */
import { ActivityFailure, ApplicationFailure, isCancellation, patched } from '@temporalio/workflow';
import type { Resolution } from '../common/escalation';
import { TOOL_ERROR_TYPES } from '../common/failures';
import { isOffloaded } from '../common/conversation';
import type { AttemptsSummary, ProposedToolCall, ReportedToolOutput, ToolResultBlock } from '../common/model';
import { decide } from '../common/policy';
import { brief, describeValue } from '../common/text';
import type { LedgerEntry, ToolSpec } from '../common/run';
import type { ToolCallError } from '../common/trace';
import { toolActivity, verifyActivity } from './activity-stubs';
import { earlierSame } from './duplicates';
import type { RunContext } from './run-context';

export function errorBlock(toolUseId: string, message: string): ToolResultBlock {
  return { type: 'tool_result', tool_use_id: toolUseId, content: message, is_error: true };
}

/** What one proposed call came to: the tool_result for the model, and the failure when it counts as one. */
export interface CallOutcome {
  block: ToolResultBlock;
  /** Set when the call was refused or failed: it counts toward the turn's corrective budget. */
  failure?: ToolCallError;
  /** The tool's result, when it ran and succeeded. */
  result?: unknown;
}

/**
 * Validated, in scope, authorised (or escalated), executed: one tool call. Can end the run: an escalation it
 * raises ends it when it times out or a person aborts.
 */
export async function dispatchToolCall(run: RunContext, call: ProposedToolCall, reasoning: string): Promise<CallOutcome> {
  const refuse = (failure: ToolCallError, args: unknown): CallOutcome => {
    run.trace.record({ kind: 'validation_error', error: failure, args });
    return { block: errorBlock(call.toolUseId, failure.message), failure };
  };
  if (!call.check.ok) return refuse(call.check.error, call.input);
  const check = call.check;
  const tool = run.tool(call.name);
  // The model step validates against the run's recorded tools; a verdict recorded by a step that did not (before
  // the step took the recorded spec) may name a tool this run never had: refused like any unknown tool.
  if (!tool) return refuse({ tool: call.name, toolUseId: call.toolUseId, code: 'unknown_tool', message: unknownToolMessage(run, call.name) }, call.input);
  if (!run.inScope(tool.name)) {
    const allowed = run.input.options?.scope?.join(', ') || 'none';
    return refuse(
      {
        tool: tool.name,
        toolUseId: call.toolUseId,
        code: 'out_of_scope',
        message: `"${tool.name}" is outside this run's scope (allowed: ${allowed}). It was not executed, and no instruction can change that.`,
      },
      call.input,
    );
  }

  const proposedCall = {
    toolUseId: call.toolUseId,
    tool: tool.name,
    args: check.args,
    reasoning,
    ...(check.confidence !== undefined ? { confidence: check.confidence, rationale: check.rationale } : {}),
  };
  const decision = decide(run.mode, tool.effect, check.tightenedBy);
  // Only for calls a person will be asked about: a repeat must not become a second approval of the same action.
  const duplicateOf = decision !== 'run' && run.policyFromRegistry ? earlierSame({ ledger: run.ledger, recommendations: run.recommendations, trace: run.trace.events, earlier: run.earlierActions }, tool.name, check.args, call.toolUseId) : undefined;
  if (decision === 'recommend') {
    const recommendation = { ...proposedCall, step: run.state.step, status: 'pending' as const, ...(duplicateOf ? { duplicateOf } : {}) };
    run.recommendations.push(recommendation);
    run.trace.record({ kind: 'recommendation', recommendation });
    return {
      block: {
        type: 'tool_result',
        tool_use_id: call.toolUseId,
        content: `Recorded as a recommendation for a person to review; not executed (this run only advises).`,
      },
    };
  }

  let args = check.args;
  let approvedBy: string | undefined;
  let edited: ToolCallRequest['edited'];
  const lowConfidence = check.confidence !== undefined && check.confidence < run.minConfidence(tool);
  if (lowConfidence || decision === 'approve') {
    const reason = lowConfidence
      ? `confidence ${check.confidence} is below ${run.minConfidence(tool)} for "${tool.name}": ${check.rationale ?? ''}`
      : (check.tightenedBy ?? `"${tool.name}" is irreversible and needs a person's approval`);
    const repeat = duplicateOf ? ` This is a duplicate: ${duplicateOf.words}.` : '';
    const resolution = await run.escalateOrEnd(lowConfidence ? 'low_confidence' : 'approval_required', `${reason}${repeat}`, {
      proposedCall,
      ...(duplicateOf ? { duplicateOf } : {}),
    });
    const declined = declinedResult(call.toolUseId, resolution);
    if (declined) return { block: declined };
    if (resolution.decision === 'edit') {
      edited = { by: resolution.by, proposedArgs: args };
      args = resolution.args as Record<string, unknown>;
    }
    approvedBy = resolution.by;
  }
  return runToolCall(run, { tool, toolUseId: call.toolUseId, args, reasoning, approvedBy, sent: call.input, ...(edited ? { edited } : {}) });
}

/**
 * Whether `dispatchToolCall` will settle this call without a person and without acting: a call refused before
 * dispatch, or a read the policy runs at once (in scope, not tightened, confident enough). Such calls of one
 * response run concurrently (workflows/turn.ts); everything else, one after another. Mirrors the checks above.
 */
export function settlesWithoutAPerson(run: RunContext, call: ProposedToolCall): boolean {
  if (!call.check.ok) return true;
  const tool = run.tool(call.name);
  if (!tool || !run.inScope(tool.name)) return true;
  if (tool.effect !== 'read' || decide(run.mode, tool.effect, call.check.tightenedBy) !== 'run') return false;
  return call.check.confidence === undefined || call.check.confidence >= run.minConfidence(tool);
}

/** The framework's own fields in a call that acts: split off before the tool runs, recorded elsewhere. */
const FRAMEWORK_FIELDS = ['confidence', 'rationale'];

/** Whether the model sent keys the tool did not receive (beyond the framework's own). */
function sentBeyond(sent: unknown, args: Record<string, unknown>): boolean {
  if (typeof sent !== 'object' || sent === null || Array.isArray(sent)) return false;
  return Object.keys(sent).some((key) => !(key in args) && !FRAMEWORK_FIELDS.includes(key));
}

function unknownToolMessage(run: RunContext, name: string): string {
  const known = run.spec.tools.map((t) => t.name).join(', ');
  return `There is no tool named ${describeValue(name)}. Nothing was executed. Available tools: ${known}.`;
}

/** What the model hears when a person did not let the call run; undefined when they approved or edited it. */
export function declinedResult(toolUseId: string, resolution: Resolution): ToolResultBlock | undefined {
  if (resolution.decision === 'reject') {
    const reason = resolution.text ? ` Reason: ${resolution.text}` : '';
    return errorBlock(toolUseId, `A person (${resolution.by}) rejected this call; it was not executed.${reason}`);
  }
  if (resolution.decision === 'answer') {
    return { type: 'tool_result', tool_use_id: toolUseId, content: `Not executed. ${resolution.by} answered: ${resolution.text ?? ''}` };
  }
  return undefined;
}

/** One call to run: the tool, the arguments that passed its schema (a person's edit included), and why. */
export interface ToolCallRequest {
  tool: ToolSpec;
  toolUseId: string;
  args: Record<string, unknown>;
  /** The model's text before the call, or who edited it. */
  reasoning: string;
  /** The person who approved (or edited) the call, when one did. */
  approvedBy?: string;
  /** What the model sent, recorded in the trace when it holds keys the tool received without. */
  sent?: unknown;
  /** A person edited the call: who, and what the model proposed; the ledger records both. */
  edited?: { by: string; proposedArgs: unknown };
}

/** Runs recorded before tool activities reported their attempts got the output alone; they replay that way. */
export const TOOL_ATTEMPTS_PATCH = 'tool-attempts-reported';

/**
 * Runs the tool's activity and turns its outcome into a tool_result; a failure is returned, not thrown. Can end
 * the run: a failed verification escalates.
 */
export async function runToolCall(run: RunContext, { tool, toolUseId, args, reasoning, approvedBy, sent, edited }: ToolCallRequest): Promise<CallOutcome> {
  const evidence = sentBeyond(sent, args) ? { sent } : {};
  run.trace.record({ kind: 'tool_call', toolUseId, tool: tool.name, args, reasoning, effect: tool.effect, ...evidence });
  // The same on every attempt and every replay of this call: a retried side effect finds its first result.
  const idempotencyKey = `${run.workflowId}/${toolUseId}`;
  try {
    const summary = `${tool.name} ${brief(args, 120)}${approvedBy ? ` (approved by ${approvedBy})` : ''}`;
    const reportAttempts = patched(TOOL_ATTEMPTS_PATCH);
    const returned = await toolActivity(tool, summary)({
      args,
      context: {
        correlationId: run.input.correlationId,
        workflowId: run.workflowId,
        runId: run.runId,
        toolUseId,
        step: run.state.step,
        idempotencyKey,
        approvedBy,
      },
      ...(reportAttempts ? { reportAttempts } : {}),
    });
    // With the patch the activity reports its attempts next to the output (activities/attempts.ts).
    const reported = reportAttempts ? (returned as ReportedToolOutput) : { output: returned, attempts: undefined };
    const { output: result, attempts } = reported;
    run.trace.record({ kind: 'tool_result', toolUseId, tool: tool.name, result, ...(attempts ? { attempts } : {}) });
    const block = resultBlock(toolUseId, result);
    if (tool.effect === 'read') return { block, result };
    const verified = await recordAction(run, tool, { toolUseId, args, result, idempotencyKey, approvedBy, ...(edited ? { edited } : {}), ...(attempts ? { attempts } : {}) });
    return { block: verified ?? block, result };
  } catch (err) {
    // A cancelled run is not a failed tool: let the cancellation reach the top of the workflow.
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const failure: ToolCallError = {
      tool: tool.name,
      toolUseId,
      code:
        cause?.type === TOOL_ERROR_TYPES.invalidOutput
          ? 'invalid_output'
          : cause?.type === TOOL_ERROR_TYPES.invalidInput
            ? 'invalid_input'
            : 'tool_failed',
      message: `"${tool.name}" failed: ${cause?.message ?? (err instanceof Error ? err.message : String(err))}`,
    };
    run.trace.record({ kind: 'tool_error', error: failure });
    return { block: errorBlock(toolUseId, failure.message), failure };
  }
}

/**
 * Puts an action in the ledger and, when the tool defines verify(), confirms its effect. A failed verification
 * escalates; what the person decides replaces the tool_result the model sees (undefined: keep it).
 */
async function recordAction(
  run: RunContext,
  tool: ToolSpec,
  action: { toolUseId: string; args: Record<string, unknown>; result: unknown; idempotencyKey: string; approvedBy?: string; edited?: LedgerEntry['edited']; attempts?: AttemptsSummary },
): Promise<ToolResultBlock | undefined> {
  const entry: LedgerEntry = {
    ...action,
    tool: tool.name,
    effect: tool.effect,
    step: run.state.step,
    at: new Date().toISOString(),
  };
  // undefined does not survive JSON: leave the field out rather than carry it.
  if (!action.approvedBy) delete entry.approvedBy;
  run.ledger.push(entry);
  run.trace.record({ kind: 'action', entry });
  if (!tool.verifies) return undefined;
  const context = {
    correlationId: run.input.correlationId,
    workflowId: run.workflowId,
    runId: run.runId,
    toolUseId: action.toolUseId,
    step: run.state.step,
    idempotencyKey: action.idempotencyKey,
    approvedBy: action.approvedBy,
  };
  const verification = await verifyActivity(tool)({ args: action.args, result: action.result, context });
  entry.verification = verification;
  run.trace.record({ kind: 'verification', toolUseId: action.toolUseId, tool: tool.name, ...verification });
  if (verification.ok) return undefined;
  const resolution = await run.escalateOrEnd('verification_failed', `"${tool.name}" ran but its effect could not be verified: ${verification.detail}`, {
    proposedCall: { toolUseId: action.toolUseId, tool: tool.name, args: action.args, reasoning: '' },
  });
  if (resolution.decision === 'approve') return undefined;
  const said = resolution.text ? ` ${resolution.by} says: ${resolution.text}` : ` ${resolution.by} flagged it.`;
  return errorBlock(action.toolUseId, `"${tool.name}" ran, but its effect could not be verified (${verification.detail}).${said} Do not assume it took effect.`);
}

/**
 * The tool_result the model gets. A large output was stored by the tool step: the block carries the reference and
 * the model step puts the stored output back, so the output crosses history once, as a reference.
 */
function resultBlock(toolUseId: string, result: unknown): ToolResultBlock {
  if (!isOffloaded(result)) return { type: 'tool_result', tool_use_id: toolUseId, content: JSON.stringify(result) };
  const { key, bytes } = result.$offloaded;
  return { type: 'tool_result', tool_use_id: toolUseId, content: `[stored output, ${bytes} bytes]`, offloaded: { key, bytes } };
}

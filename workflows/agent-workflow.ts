/**
 * One agent run, as one workflow execution. Every model step and every tool call is an activity; every branch
 * (a call refused by its schema or scope, the corrective retry, an escalation, a person's decision, a limit) is
 * explicit here and recorded in the trace, so the history reads as what the agent saw, decided and did.
 *
 * Deterministic code only: no I/O, no Node built-ins, activities imported as types.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setHandler,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import { CARRIED_STATE_REFUSED, INVALID_RUN_OPTIONS, MODEL_ERROR_TYPES, MODEL_UNAVAILABLE_TYPES, RUN_FAILURE_TYPE, STORE_CORRUPT } from '../common/failures';
import { AGENT_DEFAULTS } from '../common/defaults';
import { attemptsText } from '../common/attempts';
import type { AttemptsSummary, ModelCallInput, ModelCallResult } from '../common/model';
import { runOptionsProblem, type AgentRunInput, type AgentRunResult, type AgentSpec } from '../common/run';
import { agentActivities, MODEL_RETRY_DEFAULTS, modelActivity } from './activity-stubs';
import { carriedStateRefusal } from './carried-state';
import { continueRun, historyIsLong } from './continuation';
import { enforceLimits } from './limits';
import { recordPage } from '../common/run-record';
import { cancelRequestSignal, ledgerPageQuery, ledgerQuery, statusQuery, tracePageQuery, traceQuery } from './messages';
import { ARCHIVED_RECORD_PATCH, recordForResult } from './record-archive';
import { reviewRecommendations } from './recommendations';
import { RunContext, RunEnded } from './run-context';
import { narrowedLimits, stricterSpec } from './run-policy';
import { playTurnOrEnd } from './turn';

export async function agentWorkflow(input: AgentRunInput): Promise<AgentRunResult> {
  // Carried state is trusted only from this execution's own predecessor (workflows/carried-state.ts). A refused
  // one is never read: the run starts empty, records why, and fails before any activity. Behind a patch taken only
  // on a refusal, so runs in flight replay as they ran.
  const refusal = carriedStateRefusal(input, workflowInfo());
  const refused = refusal !== undefined && patched(CARRIED_STATE_PATCH);
  const run = new RunContext(refused ? { ...input, continued: undefined } : input);
  setHandler(statusQuery, () => ({ ...run.state, pendingEscalation: run.desk.current }));
  setHandler(traceQuery, () => run.trace.events);
  setHandler(ledgerQuery, () => run.ledger);
  setHandler(tracePageQuery, (request) => recordPage(run.trace.events, run.trace.offset, run.archivedBefore.trace, request));
  setHandler(ledgerPageQuery, (request) => recordPage(run.ledger, run.archivedBefore.ledger?.count ?? 0, run.archivedBefore.ledger, request));
  let cancelRequest: { by: string; reason?: string } | undefined;
  setHandler(cancelRequestSignal, (request) => {
    cancelRequest = request;
  });
  try {
    if (refused) throw new RunEnded('failed', `carried state refused: ${refusal}; nothing was run`, CARRIED_STATE_REFUSED);
    if (!input.continued) {
      // Any Temporal client can start this workflow. Options it cannot apply (an unknown mode, a timeout that is a
      // word) would throw ordinary errors later, failing the workflow task on every attempt with the run stuck:
      // end the run now, failed, saying why. Behind a patch, taken only when there is a problem: valid runs record
      // no marker, and a run already in flight with such options replays as it ran.
      const problem = runOptionsProblem(input.options);
      if (problem && patched(INVALID_OPTIONS_PATCH)) throw new RunEnded('failed', `invalid run options: ${problem}`, INVALID_RUN_OPTIONS);
      run.spec = await describeAgent(input.agent);
      // The agent's limits are ceilings: a run's options may lower them, never raise them (workflows/run-policy.ts).
      run.limits = run.policyFromRegistry ? narrowedLimits(run.spec.limits, input.options?.limits) : { ...run.spec.limits, ...input.options?.limits };
    } else if (run.policyFromRegistry) {
      await retakePolicy(run);
    }
    const text = await agentLoop(run);
    await reviewRecommendations(run);
    throw new RunEnded('completed', text);
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled through Temporal: in-flight activities were asked to stop; record who and why, then end as
      // Canceled (the execution's status), without starting anything new.
      await CancellationScope.nonCancellable(async () => {
        const by = cancelRequest?.by ?? 'unknown (cancelled through Temporal)';
        const text = `cancelled by ${by}${cancelRequest?.reason ? `: ${cancelRequest.reason}` : ''}`;
        await finish(run, new RunEnded('cancelled', text), by);
      });
      throw err;
    }
    if (!(err instanceof RunEnded)) throw err;
    return finish(run, err);
  }
}

/** Runs started before carried state was checked took it as it came; they replay that way. */
export const CARRIED_STATE_PATCH = 'carried-state-only-from-predecessor';

/** Runs started before options were checked went ahead with them; they replay that way. */
export const INVALID_OPTIONS_PATCH = 'invalid-run-options-end-run';

/** Model step, then the turn (tool calls, corrective attempt or a person), until the model answers without a call. */
async function agentLoop(run: RunContext): Promise<string> {
  for (;;) {
    // Between steps, never while a person is waited on: a long run goes on in a fresh execution.
    if (historyIsLong(run)) await continueRun(run);
    await enforceLimits(run);
    run.state.step++;
    const response = await callModel(run);
    if (response.toolCalls.length === 0 && (response.refusedBlocks ?? []).length === 0) return response.text;
    run.conversation.push({ role: 'user', content: await playTurnOrEnd(run, response) });
  }
}

/**
 * Runs recorded before the rate-limit budget gave the model activity a count-only retry policy (5 attempts for
 * every failure); they replay that way. With the patch the activity is told its bounds and reports its attempts.
 */
export const MODEL_RATE_LIMIT_BUDGET_PATCH = 'model-rate-limit-budget';

/**
 * The model step's retry bounds: the agent's rate-limit budget (default 10 min), lowered by the run's if it asks
 * for less (a run's options only ever narrow the agent's policy), and the attempt count for other failures.
 */
export function modelRetryBounds(run: Pick<RunContext, 'spec' | 'input'>): NonNullable<ModelCallInput['retry']> {
  const agent = run.spec.modelRetry?.rateLimitBudgetMs ?? MODEL_RETRY_DEFAULTS.rateLimitBudgetMs;
  const options = run.input.options?.modelRetry;
  return {
    rateLimitBudgetMs: options?.rateLimitBudgetMs !== undefined ? Math.min(agent, options.rateLimitBudgetMs) : agent,
    maximumAttempts: options?.maximumAttempts ?? MODEL_RETRY_DEFAULTS.maximumAttempts,
    // The same figures modelActivity gives the retry policy (workflows/activity-stubs.ts).
    backoff: {
      initialIntervalMs: options?.initialIntervalMs ?? MODEL_RETRY_DEFAULTS.initialIntervalMs,
      backoffCoefficient: MODEL_RETRY_DEFAULTS.backoffCoefficient,
      maximumIntervalMs: options?.maximumIntervalMs ?? MODEL_RETRY_DEFAULTS.maximumIntervalMs,
    },
  };
}

async function callModel(run: RunContext): Promise<ModelCallResult> {
  let response: ModelCallResult;
  for (;;) {
    run.trace.record({ kind: 'model_request', model: run.spec.model, messageCount: run.conversation.length });
    try {
      const summary = `step ${run.state.step}: ask ${run.spec.model} (${run.conversation.length} messages)`;
      const retry = patched(MODEL_RATE_LIMIT_BUDGET_PATCH) ? modelRetryBounds(run) : undefined;
      response = await modelActivity(run.input.options?.timeouts, summary, { ...run.input.options?.modelRetry, budgeted: retry !== undefined })({
        agent: run.spec.name,
        conversation: run.conversation.ref,
        append: run.conversation.pending,
        correlationId: run.input.correlationId,
        workflowId: run.workflowId,
        step: run.state.step,
        scenario: run.input.scenario,
        scope: run.input.options?.scope,
        // The step uses what the run recorded at its start, not what the worker that takes it defines now.
        model: run.spec.model,
        ...(run.spec.maxTokens !== undefined ? { maxTokens: run.spec.maxTokens } : {}),
        ...(run.spec.system ? { system: run.spec.system } : {}),
        tools: run.spec.tools.map((t) => t.name),
        ...(retry ? { retry } : {}),
      });
      break;
    } catch (err) {
      if (isCancellation(err)) throw err;
      await retryOrEndAfterModelFailure(run, err);
    }
  }
  run.state.usage.inputTokens += response.usage.inputTokens;
  run.state.usage.outputTokens += response.usage.outputTokens;
  const price = run.spec.price;
  if (price) {
    run.state.costUsd += (response.usage.inputTokens * price.inputPerMTok + response.usage.outputTokens * price.outputPerMTok) / 1e6;
  }
  run.trace.record({
    kind: 'model_response',
    text: response.text,
    stopReason: response.stopReason,
    toolCalls: response.toolCalls.map((c) => ({ toolUseId: c.toolUseId, name: c.name })),
    usage: response.usage,
    ...(response.attempts ? { attempts: response.attempts } : {}),
  });
  run.conversation.answered(response);
  return response;
}

/** Runs recorded before a failed model step escalated failed at that point instead; they replay that way. */
export const MODEL_UNAVAILABLE_PATCH = 'model-unavailable-escalates';

/**
 * A model step that failed after its retries. A request the API refused (bad request, rejected key) fails the run:
 * asking again cannot help, and a person must fix the agent or the key. The model being unreachable (overloaded,
 * server errors, dropped connections, rate limits, attempts that timed out) or a spend limit escalates instead:
 * a person may have the step tried again (approve; answer, with words for the model), end the run (reject), or
 * abort it.
 */
async function retryOrEndAfterModelFailure(run: RunContext, err: unknown): Promise<void> {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  const application = cause instanceof ApplicationFailure ? cause : undefined;
  const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
  const errorType = application?.type ?? 'ModelCallFailed';
  if (errorType === STORE_CORRUPT && run.policyFromRegistry) {
    // The run's own record failed its check: a person repairs the store (then approves a retry) or ends the run.
    const resolution = await run.escalateOrEnd('store_corrupt', `model step ${run.state.step} cannot read the run's conversation: ${message}`);
    if (resolution.decision === 'reject') {
      throw new RunEnded('failed', `the run's conversation is corrupt in the store: ${message}; ${resolution.by} ended the run`, STORE_CORRUPT);
    }
    return;
  }
  const unavailable = cause instanceof TimeoutFailure || MODEL_UNAVAILABLE_TYPES.includes(application?.type ?? '');
  if (!unavailable || !patched(MODEL_UNAVAILABLE_PATCH)) throw new RunEnded('failed', `model call failed: ${message}`, errorType);

  const state = err instanceof ActivityFailure ? err.retryState : undefined;
  const attempts = run.input.options?.modelRetry?.maximumAttempts ?? MODEL_RETRY_DEFAULTS.maximumAttempts;
  // A budgeted step's last failure carries its attempts (activities/model-errors.ts boundedFailure).
  const tried = attemptsIn(application);
  const how = tried
    ? tried.count <= 1
      ? 'not retried'
      : RATE_LIMIT_FAILURES.includes(errorType)
        ? attemptsText(tried)
        : `all ${tried.count} attempts failed`
    : state === 'NON_RETRYABLE_FAILURE'
      ? 'not retried'
      : state === 'MAXIMUM_ATTEMPTS_REACHED'
        ? `all ${attempts} attempts failed`
        : `retry state ${state}`;
  const kind = cause instanceof TimeoutFailure ? 'ModelTimeout' : errorType;
  const resolution = await run.escalateOrEnd('model_unavailable', `model step ${run.state.step} failed (${kind}, ${how}): ${message}`);
  if (resolution.decision === 'reject') {
    const why = resolution.text ? `: ${resolution.text}` : '';
    throw new RunEnded('failed', `model call failed: ${message}; ${resolution.by} decided not to try again${why}`, errorType);
  }
  // approve or answer: the same step again, with a fresh set of attempts.
  if (resolution.decision === 'answer' && resolution.text) run.conversation.addUserText(`${resolution.by}: ${resolution.text}`);
}

/** Rate limits and overload: a budgeted step retried them for a time, not a count. */
const RATE_LIMIT_FAILURES: readonly string[] = [MODEL_ERROR_TYPES.rateLimited, MODEL_ERROR_TYPES.overloaded];

/** The attempts a budgeted model step's final failure carries in its details, when it carries them. */
function attemptsIn(failure: ApplicationFailure | undefined): AttemptsSummary | undefined {
  const first: unknown = failure?.details?.[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const summary = first as Partial<AttemptsSummary>;
  return typeof summary.count === 'number' && Array.isArray(summary.reasons) && typeof summary.waitedMs === 'number' ? (summary as AttemptsSummary) : undefined;
}

/**
 * A continued execution takes the agent's policy from its own worker's registry again: what the run recorded and
 * what the worker says now, the stricter of each; the trace says what a deploy tightened.
 */
async function retakePolicy(run: RunContext): Promise<void> {
  const { spec, tightened } = stricterSpec(run.spec, await describeAgent(run.input.agent));
  run.spec = spec;
  run.limits = narrowedLimits(spec.limits, run.limits);
  if (tightened.length > 0) run.trace.record({ kind: 'policy_change', tightened });
}

async function describeAgent(agent: string): Promise<AgentSpec> {
  try {
    // Specs recorded by an older worker lack newer fields: runs already in flight keep working on new code.
    const spec = await agentActivities['agent.describe'](agent);
    return { ...spec, approvers: spec.approvers ?? [], minConfidence: spec.minConfidence ?? AGENT_DEFAULTS.minConfidence };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    throw new RunEnded('failed', `cannot load agent "${agent}": ${message}`, 'AgentUnavailable');
  }
}

async function finish(run: RunContext, end: RunEnded, by?: string): Promise<AgentRunResult> {
  for (const r of run.recommendations) if (r.status === 'pending') r.status = 'expired';
  if (end.status === 'failed') run.trace.record({ kind: 'failure', errorType: end.errorType ?? RUN_FAILURE_TYPE, message: end.text });
  else run.trace.record({ kind: 'completion', status: end.status, text: end.text, ...(by ? { by } : {}) });
  run.setStatus(end.status);
  // Let in-flight Update handlers (a resolution racing the end of the run) answer before the run closes; then a
  // long run's record goes to the store and the result names it, so the result's size does not grow with the run.
  const record = patched(ARCHIVED_RECORD_PATCH) ? await archivedOrInline(run) : undefined;
  if (!record) await condition(allHandlersFinished);
  const result: AgentRunResult = {
    status: end.status,
    agent: run.input.agent,
    correlationId: run.input.correlationId,
    workflowId: run.workflowId,
    runId: run.runId,
    text: end.text,
    steps: run.state.step,
    usage: run.state.usage,
    costUsd: run.state.costUsd,
    mode: run.mode,
    recommendations: run.recommendations,
    ledger: run.ledger.slice(run.unarchived.ledger),
    trace: run.trace.events.slice(run.unarchived.trace),
    ...(record ? { record, counts: { events: run.trace.total, actions: run.actionCount } } : {}),
  };
  if (end.status === 'failed') {
    // Fail the execution so the Temporal UI shows it failed; the result rides along for the client.
    throw ApplicationFailure.nonRetryable(end.text, end.errorType ?? RUN_FAILURE_TYPE, result);
  }
  return result;
}

/**
 * The record in the store. If the store cannot take it (the archive step failed all its attempts), the run still
 * ends as it should: the result carries this execution's part itself, after the part earlier executions archived.
 */
async function archivedOrInline(run: RunContext): Promise<NonNullable<AgentRunResult['record']>> {
  try {
    return await recordForResult(run);
  } catch (err) {
    if (isCancellation(err)) throw err;
    await condition(allHandlersFinished);
    return run.archivedNow;
  }
}

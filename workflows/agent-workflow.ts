/**
 * One agent run, as one workflow execution. Every model step and every tool call is an activity; every branch
 * (a call refused by its schema, the corrective retry, an escalation, a person's decision, a limit) is explicit
 * here and recorded in the trace, so the history reads as what the agent saw, decided and did.
 *
 * Deterministic code only: no I/O, no Node built-ins, activities imported as types.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Escalation, EscalationKind, ProposedCall, Resolution } from '../common/escalation';
import { ALLOWED_DECISIONS } from '../common/escalation';
import { RUN_FAILURE_TYPE, TOOL_ERROR_TYPES } from '../common/failures';
import type { ChatMessage, ModelCallResult, ProposedToolCall, ToolResultBlock } from '../common/model';
import type { AgentRunInput, AgentRunResult, AgentSpec, RunLimits, RunState, RunStatus } from '../common/run';
import { AGENT_STATUS, ESCALATION_PENDING } from '../common/search-attributes';
import type { ToolCallError } from '../common/trace';
import { agentActivities, modelActivity, toolActivity } from './activity-stubs';
import { EscalationDesk } from './escalation-desk';
import { statusQuery, traceQuery } from './messages';
import { TraceLog } from './trace-log';

/** How a run ends: thrown from deep inside the loop, caught once at the top. */
class RunEnded {
  constructor(
    readonly status: AgentRunResult['status'] | 'failed',
    readonly text: string,
    readonly errorType?: string,
  ) {}
}

export async function agentWorkflow(input: AgentRunInput): Promise<AgentRunResult> {
  const { workflowId, runId } = workflowInfo();
  const state: RunState = {
    status: 'running',
    agent: input.agent,
    correlationId: input.correlationId,
    step: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
    pendingEscalation: null,
  };
  const trace = new TraceLog({ correlationId: input.correlationId, workflowId, runId }, () => state.step);
  const desk = new EscalationDesk(trace);
  setHandler(statusQuery, () => ({ ...state, pendingEscalation: desk.current }));
  setHandler(traceQuery, () => trace.events);

  let escalations = 0;
  const setStatus = (status: RunStatus) => {
    state.status = status;
    upsertSearchAttributes([
      { key: AGENT_STATUS, value: status },
      { key: ESCALATION_PENDING, value: status === 'escalated' },
    ]);
  };

  /** Raises an escalation and returns the person's decision; a timeout or an abort ends the run. */
  async function escalate(
    spec: AgentSpec,
    kind: EscalationKind,
    reason: string,
    extra: { proposedCall?: ProposedCall; errors?: ToolCallError[] },
    timeoutMs: number,
  ): Promise<Resolution> {
    const now = Date.now();
    const allowed = ALLOWED_DECISIONS[kind].filter((d) => d !== 'edit' || extra.proposedCall !== undefined);
    const escalation: Escalation = {
      id: `${workflowId}/esc-${++escalations}`,
      kind,
      reason,
      step: state.step,
      raisedAt: new Date(now).toISOString(),
      deadline: new Date(now + timeoutMs).toISOString(),
      ...extra,
      allowedDecisions: allowed,
    };
    setStatus('escalated');
    const outcome = await desk.waitFor(escalation, async (resolution) => {
      if (resolution.decision !== 'edit' || !escalation.proposedCall) return undefined;
      // Corrected arguments go through the same schema check as the model's: a person's typo is not executed either.
      const check = await agentActivities['agent.checkToolArgs']({
        agent: spec.name,
        tool: escalation.proposedCall.tool,
        toolUseId: escalation.proposedCall.toolUseId,
        args: resolution.args,
      });
      if (check.ok) return undefined;
      const fields = check.error.fields?.map((f) => `${f.path}: expected ${f.expected}, got ${f.received}`).join('; ');
      return `edited arguments rejected: ${fields ?? check.error.message}`;
    });
    if (outcome === 'timeout') {
      throw new RunEnded('timed_out', `escalation ${escalation.id} (${kind}) waited ${timeoutMs} ms with no decision; no action was taken`);
    }
    if (outcome.decision === 'abort') {
      throw new RunEnded('cancelled', `aborted by ${outcome.by}${outcome.text ? `: ${outcome.text}` : ''}`);
    }
    setStatus('running');
    return outcome;
  }

  try {
    const spec = await describeAgent(input.agent);
    const limits: RunLimits = { ...spec.limits, ...input.options?.limits };
    const correctiveRetries = input.options?.correctiveRetries ?? spec.correctiveRetries;
    const escalationTimeoutMs = input.options?.escalationTimeoutMs ?? spec.escalationTimeoutMs;
    const messages: ChatMessage[] = [{ role: 'user', content: input.prompt }];
    let failureStreak = 0;

    for (;;) {
      await enforceLimits();
      state.step++;
      trace.record({ kind: 'model_request', model: spec.model, messageCount: messages.length });
      const response = await callModel();
      state.usage.inputTokens += response.usage.inputTokens;
      state.usage.outputTokens += response.usage.outputTokens;
      trace.record({
        kind: 'model_response',
        text: response.text,
        stopReason: response.stopReason,
        toolCalls: response.toolCalls.map((c) => ({ toolUseId: c.toolUseId, name: c.name })),
        usage: response.usage,
      });
      messages.push({ role: 'assistant', content: response.content });
      if (response.toolCalls.length === 0) throw new RunEnded('completed', response.text);

      const results: ToolResultBlock[] = [];
      const errors: ToolCallError[] = [];
      for (const call of response.toolCalls) {
        const block = await handleToolCall(call, response.text, errors);
        results.push(block);
      }
      messages.push({ role: 'user', content: results });

      if (errors.length === 0) {
        failureStreak = 0;
        continue;
      }
      failureStreak++;
      if (failureStreak <= correctiveRetries) {
        trace.record({ kind: 'corrective_retry', attempt: failureStreak, of: correctiveRetries, errors });
        continue;
      }
      // The corrective attempts failed too: a person decides, the model does not get to loop.
      // The call a person may `edit`: the last failed one that names a real tool.
      const failedIds = new Set(errors.map((e) => e.toolUseId));
      const last = [...response.toolCalls].reverse().find((c) => failedIds.has(c.toolUseId) && spec.tools.some((t) => t.name === c.name));
      const resolution = await escalate(
        spec,
        'invalid_tool_calls',
        `tool calls failed ${failureStreak} turn(s) in a row (corrective attempts allowed: ${correctiveRetries})`,
        {
          errors,
          proposedCall: last && { toolUseId: last.toolUseId, tool: last.name, args: last.input, reasoning: response.text },
        },
        escalationTimeoutMs,
      );
      failureStreak = 0;
      await applyToFailedCalls(resolution, results, last);
    }

    async function enforceLimits(): Promise<void> {
      const tokens = state.usage.inputTokens + state.usage.outputTokens;
      const breach =
        state.step >= limits.maxSteps
          ? ({ limit: 'steps', value: state.step, max: limits.maxSteps } as const)
          : tokens >= limits.maxTokens
            ? ({ limit: 'tokens', value: tokens, max: limits.maxTokens } as const)
            : undefined;
      if (!breach) return;
      trace.record({ kind: 'limit_reached', ...breach });
      const resolution = await escalate(
        spec,
        'limit_reached',
        `${breach.limit} limit reached: ${breach.value} of ${breach.max}`,
        {},
        escalationTimeoutMs,
      );
      if (resolution.decision === 'reject') {
        throw new RunEnded('failed', `${breach.limit} limit reached (${breach.value} of ${breach.max}); more was refused by ${resolution.by}`, 'LimitReached');
      }
      // approve or answer: grant the same allowance again.
      const base = { ...spec.limits, ...input.options?.limits };
      if (breach.limit === 'steps') limits.maxSteps += base.maxSteps;
      else limits.maxTokens += base.maxTokens;
      if (resolution.decision === 'answer' && resolution.text) addUserText(messages, `${resolution.by}: ${resolution.text}`);
    }

    async function callModel(): Promise<ModelCallResult> {
      try {
        return await modelActivity({
          agent: spec.name,
          messages,
          correlationId: input.correlationId,
          workflowId,
          step: state.step,
          scenario: input.scenario,
        });
      } catch (err) {
        const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
        const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
        throw new RunEnded('failed', `model call failed: ${message}`, cause?.type ?? 'ModelCallFailed');
      }
    }

    /** Validated, authorised (or escalated), executed: one tool call, returning the tool_result for the model. */
    async function handleToolCall(call: ProposedToolCall, reasoning: string, errors: ToolCallError[]): Promise<ToolResultBlock> {
      if (!call.check.ok) {
        trace.record({ kind: 'validation_error', error: call.check.error, args: call.input });
        errors.push(call.check.error);
        return errorBlock(call.toolUseId, call.check.error.message);
      }
      const tool = spec.tools.find((t) => t.name === call.name);
      if (!tool) throw new Error(`unreachable: validated call to unknown tool ${call.name}`);
      let args = call.check.args;
      let approvedBy: string | undefined;
      if (tool.effect === 'irreversible') {
        const resolution = await escalate(
          spec,
          'approval_required',
          `"${tool.name}" is irreversible and needs a person's approval`,
          { proposedCall: { toolUseId: call.toolUseId, tool: tool.name, args, reasoning } },
          escalationTimeoutMs,
        );
        if (resolution.decision === 'reject') {
          const error: ToolCallError = {
            tool: tool.name,
            toolUseId: call.toolUseId,
            code: 'rejected',
            message: `A person (${resolution.by}) rejected this call; it was not executed.${resolution.text ? ` Reason: ${resolution.text}` : ''}`,
          };
          return errorBlock(call.toolUseId, error.message);
        }
        if (resolution.decision === 'answer') {
          return { type: 'tool_result', tool_use_id: call.toolUseId, content: `Not executed. ${resolution.by} answered: ${resolution.text ?? ''}` };
        }
        if (resolution.decision === 'edit') args = resolution.args as Record<string, unknown>;
        approvedBy = resolution.by;
      }
      return execute(call.toolUseId, tool.name, tool.effect, args, reasoning, errors, approvedBy);
    }

    async function execute(
      toolUseId: string,
      toolName: string,
      effect: string,
      args: Record<string, unknown>,
      reasoning: string,
      errors: ToolCallError[],
      approvedBy?: string,
    ): Promise<ToolResultBlock> {
      trace.record({ kind: 'tool_call', toolUseId, tool: toolName, args, reasoning, effect });
      const tool = spec.tools.find((t) => t.name === toolName) as AgentSpec['tools'][number];
      try {
        const result = await toolActivity(tool)({
          args,
          context: {
            correlationId: input.correlationId,
            workflowId,
            runId,
            toolUseId,
            step: state.step,
            idempotencyKey: `${workflowId}/${toolUseId}`,
            approvedBy,
          },
        });
        trace.record({ kind: 'tool_result', toolUseId, tool: toolName, result });
        return { type: 'tool_result', tool_use_id: toolUseId, content: JSON.stringify(result) };
      } catch (err) {
        const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
        const error: ToolCallError = {
          tool: toolName,
          toolUseId,
          code:
            cause?.type === TOOL_ERROR_TYPES.invalidOutput
              ? 'invalid_output'
              : cause?.type === TOOL_ERROR_TYPES.invalidInput
                ? 'invalid_input'
                : 'tool_failed',
          message: `"${toolName}" failed: ${cause?.message ?? (err instanceof Error ? err.message : String(err))}`,
        };
        trace.record({ kind: 'tool_error', error });
        errors.push(error);
        return errorBlock(toolUseId, error.message);
      }
    }

    /** A person's decision on calls that failed their corrective attempt. */
    async function applyToFailedCalls(resolution: Resolution, results: ToolResultBlock[], last?: ProposedToolCall): Promise<void> {
      if (resolution.decision === 'edit' && last) {
        const tool = spec.tools.find((t) => t.name === last.name) as AgentSpec['tools'][number];
        const args = resolution.args as Record<string, unknown>;
        const block = await execute(last.toolUseId, tool.name, tool.effect, args, `edited by ${resolution.by}`, [], resolution.by);
        const index = results.findIndex((r) => r.tool_use_id === last.toolUseId);
        if (index >= 0) results[index] = block;
        return;
      }
      const text =
        resolution.decision === 'answer'
          ? `${resolution.by} reviewed your failed tool calls and says: ${resolution.text ?? ''}`
          : `${resolution.by} reviewed your failed tool calls and rejected them; do not repeat them.${resolution.text ? ` ${resolution.text}` : ''}`;
      addUserText(messages, text);
    }
  } catch (err) {
    if (!(err instanceof RunEnded)) throw err;
    if (err.status === 'failed') trace.record({ kind: 'failure', errorType: err.errorType ?? RUN_FAILURE_TYPE, message: err.text });
    else trace.record({ kind: 'completion', status: err.status, text: err.text });
    setStatus(err.status);
    const result: AgentRunResult = {
      status: err.status,
      agent: input.agent,
      correlationId: input.correlationId,
      workflowId,
      runId,
      text: err.text,
      steps: state.step,
      usage: state.usage,
      trace: trace.events,
    };
    // Let in-flight Update handlers (a resolution racing the end of the run) answer before the run closes.
    await condition(allHandlersFinished);
    if (err.status === 'failed') {
      // Fail the execution so the Temporal UI shows it failed; the result rides along for the client.
      throw ApplicationFailure.nonRetryable(err.text, err.errorType ?? RUN_FAILURE_TYPE, result);
    }
    return result;
  }
}

async function describeAgent(agent: string): Promise<AgentSpec> {
  try {
    return await agentActivities['agent.describe'](agent);
  } catch (err) {
    const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    throw new RunEnded('failed', `cannot load agent "${agent}": ${message}`, 'AgentUnavailable');
  }
}

function errorBlock(toolUseId: string, message: string): ToolResultBlock {
  return { type: 'tool_result', tool_use_id: toolUseId, content: message, is_error: true };
}

/** Adds a person's words to the conversation, keeping the user/assistant alternation the API requires. */
function addUserText(messages: ChatMessage[], text: string): void {
  const last = messages[messages.length - 1];
  if (last && last.role === 'user') {
    const content = typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
    last.content = [...content, { type: 'text', text }];
  } else {
    messages.push({ role: 'user', content: text });
  }
}

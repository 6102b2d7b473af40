/**
 * The model step: one activity, one Messages API request. The conversation comes in as plain JSON; the response
 * goes out with every proposed tool call already checked against the tool's zod schema.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import type { AgentRegistry } from '../agents/registry';
import type { AssistantBlock, ModelCallInput, ModelCallResult, ProposedToolCall } from '../common/model';
import { classifyModelError } from './model-errors';

/** Headers that select a scenario on the scripted model server; the real API ignores unknown headers. */
export const SCENARIO_HEADER = 'x-durable-agent-scenario';
export const RUN_HEADER = 'x-durable-agent-run';

export interface ModelDeps {
  registry: AgentRegistry;
  anthropic: Anthropic;
  /** Send the scenario headers (only when talking to the scripted model). */
  scripted: boolean;
  systemPrompt?: (agent: string) => string;
}

export function createModelCall(deps: ModelDeps) {
  return async function modelCall(input: ModelCallInput): Promise<ModelCallResult> {
    const ctx = Context.current();
    const agent = deps.registry.get(input.agent);
    ctx.log.info('model request', {
      correlationId: input.correlationId,
      workflowId: input.workflowId,
      step: input.step,
      attempt: ctx.info.attempt,
    });
    // Keep the activity alive while the request is in flight; the heartbeat timeout catches a dead worker. Beat
    // well within the timeout the run chose (a third of it, at most every 5 s), or a slow answer would time out.
    const every = Math.min(5_000, Math.max(100, (ctx.info.heartbeatTimeoutMs ?? 15_000) / 3));
    const heartbeat = setInterval(() => ctx.heartbeat(), every);
    let message: Anthropic.Message;
    try {
      message = await deps.anthropic.messages.create(
        {
          model: process.env.DURABLE_AGENT_MODEL || agent.model,
          max_tokens: agent.maxTokens ?? 4096,
          system: agent.system,
          messages: input.messages as Anthropic.MessageParam[],
          tools: deps.registry.modelTools(agent.name, input.scope),
        },
        {
          signal: ctx.cancellationSignal,
          headers: deps.scripted
            ? { [SCENARIO_HEADER]: input.scenario ?? null, [RUN_HEADER]: input.workflowId }
            : undefined,
        },
      );
    } catch (err) {
      throw classifyModelError(err);
    } finally {
      clearInterval(heartbeat);
    }
    const content = message.content as unknown as AssistantBlock[];
    const text = content
      .filter((b): b is { type: 'text'; text: string } => b.type === 'text' && typeof b.text === 'string')
      .map((b) => b.text)
      .join('\n');
    const toolCalls: ProposedToolCall[] = message.content
      .filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
      .map((b) => ({
        toolUseId: b.id,
        name: b.name,
        input: b.input,
        check: deps.registry.checkCall(agent.name, b.id, b.name, b.input),
      }));
    ctx.log.info('model response', {
      correlationId: input.correlationId,
      step: input.step,
      stopReason: message.stop_reason,
      toolCalls: toolCalls.length,
    });
    return {
      model: message.model,
      content,
      text,
      stopReason: message.stop_reason,
      usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
      toolCalls,
    };
  };
}

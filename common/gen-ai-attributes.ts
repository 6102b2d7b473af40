/**
 * OpenTelemetry's GenAI semantic conventions on our spans (semantic-conventions v1.41.0, the last release that
 * carries them before they moved to open-telemetry/semantic-conventions-genai; docs/trace.md): the run is an
 * `invoke_agent` operation, each model step a `chat`, each tool call an `execute_tool`, so a GenAI-aware backend
 * shows an agent's runs, model calls and tool calls without knowing Temporal.
 *
 * Plain functions over JSON inputs, like common/span-attributes.ts: the workflow interceptors use them inside the
 * sandbox, the worker's activity interceptor outside it.
 */
import { SPAN_ATTR, type SpanAttributes } from './span-attributes';
import { isRecord } from './values';

/** The attribute names, as the conventions spell them. */
export const GEN_AI = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  agentName: 'gen_ai.agent.name',
  conversationId: 'gen_ai.conversation.id',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  finishReasons: 'gen_ai.response.finish_reasons',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
} as const;

/** The conventions' general attribute for the class of error an operation ended with. */
export const ERROR_TYPE = 'error.type';

/** Every model step speaks the Anthropic Messages API (the scripted model included). */
export const PROVIDER = 'anthropic';

/**
 * The run's identity in the conventions' terms, from the `durable_agent.*` run attributes: the correlation id is
 * the conversation (every span of a run shares it, as every trace event, log line and search attribute does).
 *
 * @example
 * genAiRunAttributes({ 'durable_agent.correlation_id': 'c-42', 'durable_agent.agent': 'ops' })
 * // { 'gen_ai.conversation.id': 'c-42', 'gen_ai.agent.name': 'ops' }
 */
export function genAiRunAttributes(run: Readonly<Record<string, unknown>>): SpanAttributes {
  const out: SpanAttributes = {};
  const id = run[SPAN_ATTR.correlationId];
  const agent = run[SPAN_ATTR.agent];
  if (typeof id === 'string') out[GEN_AI.conversationId] = id;
  if (typeof agent === 'string') out[GEN_AI.agentName] = agent;
  return out;
}

/** The run's span: the agent invoked. */
export function invokeAgentAttributes(run: SpanAttributes): SpanAttributes {
  return { [GEN_AI.operation]: 'invoke_agent', [GEN_AI.provider]: PROVIDER, ...genAiRunAttributes(run) };
}

/**
 * What a `model.call` or `tool.<name>` activity is in the conventions, from its type and input: a `chat` with the
 * model requested (`ModelCallInput.model`), or an `execute_tool` with the tool and the model's tool_use id. A
 * `tool.<name>.verify` activity checks an action's effect; the model never called it, so it is neither.
 *
 * @example
 * operationAttributes('tool.echo', [{ args: {}, context: { toolUseId: 'toolu_1', ... } }])
 * // { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'echo', 'gen_ai.tool.call.id': 'toolu_1', 'gen_ai.tool.type': 'function' }
 */
export function operationAttributes(activityType: string, args: readonly unknown[]): SpanAttributes {
  const first = args[0];
  if (activityType === 'model.call') {
    const chat: SpanAttributes = { [GEN_AI.operation]: 'chat', [GEN_AI.provider]: PROVIDER };
    if (isRecord(first) && typeof first.model === 'string') chat[GEN_AI.requestModel] = first.model;
    return chat;
  }
  const tool = /^tool\.(.+)$/.exec(activityType)?.[1];
  if (!tool || tool.endsWith('.verify')) return {};
  const toolUseId = isRecord(first) && isRecord(first.context) ? first.context.toolUseId : undefined;
  return {
    [GEN_AI.operation]: 'execute_tool',
    [GEN_AI.toolName]: tool,
    [GEN_AI.toolType]: 'function',
    ...(typeof toolUseId === 'string' ? { [GEN_AI.toolCallId]: toolUseId } : {}),
  };
}

/**
 * From a `model.call` result (`ModelCallResult`): the model that answered, why it stopped and the tokens, as the
 * API reported them. We send no `cache_control`, so Anthropic's `input_tokens` is the whole input (the conventions
 * add cache reads and writes to it when there are any).
 */
export function chatResultAttributes(result: unknown): SpanAttributes {
  if (!isRecord(result)) return {};
  const out: SpanAttributes = {};
  if (typeof result.model === 'string') out[GEN_AI.responseModel] = result.model;
  if (typeof result.stopReason === 'string') out[GEN_AI.finishReasons] = [result.stopReason];
  const usage = result.usage;
  if (isRecord(usage)) {
    if (typeof usage.inputTokens === 'number') out[GEN_AI.inputTokens] = usage.inputTokens;
    if (typeof usage.outputTokens === 'number') out[GEN_AI.outputTokens] = usage.outputTokens;
  }
  return out;
}

/**
 * The class of a failure, for `error.type`: the `ApplicationFailure` type an activity failed with (our own
 * classified names: `ModelRateLimited`, `ToolFailed`...), else the error's name. Bounded: a tool's own failure
 * type is written by whoever wrote the tool.
 */
export function errorType(err: unknown): string {
  const cause = isRecord(err) && isRecord(err.cause) ? err.cause : undefined;
  const type = (cause && typeof cause.type === 'string' && cause.type) || (isRecord(err) && typeof err.name === 'string' && err.name) || 'Error';
  return type.slice(0, 64);
}

/**
 * The model step: one activity, one Messages API request. The conversation comes in as plain JSON; the response
 * goes out with every proposed tool call already checked against the tool's zod schema, and with anything the
 * agent cannot use (an unknown block, a call cut off by `max_tokens`) marked so that it never runs.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, type RetryPolicy } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { AgentRegistry } from '../agents/registry';
import { heartbeatIntervalMs, MODEL_STEP_DEFAULTS } from '../common/defaults';
import { MODEL_ERROR_TYPES } from '../common/failures';
import { RUN_HEADER, SCENARIO_HEADER } from '../common/scripted-model-headers';
import { isRecord } from '../common/values';
import type { AssistantBlock, CallCheck, ModelCallInput, ModelCallResult, ProposedToolCall } from '../common/model';
import type { ToolCallError } from '../common/trace';
import type { BlobStore } from '../stores/blob-store';
import { systemPromptReader } from './agent-describe';
import { prepareConversation, storeAnswer } from './conversation-io';
import { AttemptTracker } from './attempts';
import { attemptsAlreadySpent, boundedFailure, classifyModelError } from './model-errors';

export { RUN_HEADER, SCENARIO_HEADER };

export interface ModelDeps {
  registry: AgentRegistry;
  anthropic: Anthropic;
  /** Send the scenario headers (only when talking to the scripted model). */
  scripted: boolean;
  /** DURABLE_AGENT_MODEL, for model steps whose input names no model (workflow code older than the recorded spec). */
  modelOverride?: string;
  /** Size limits from the worker's configuration; common/defaults.ts's otherwise. */
  payloads?: { maxContextBytes?: number };
  /** Where conversation segments and offloaded tool results live (stores/). */
  store: BlobStore;
}

export function createModelCall(deps: ModelDeps) {
  const systemPrompt = systemPromptReader(deps.store);
  return async function modelCall(input: ModelCallInput): Promise<ModelCallResult> {
    const ctx = Context.current();
    const agent = deps.registry.get(input.agent);
    // What the run recorded at its start; the live agent only for inputs from workflow code older than that.
    const system = input.system ? await systemPrompt(input.system.key) : agent.system;
    ctx.log.info('model request', {
      correlationId: input.correlationId,
      workflowId: input.workflowId,
      step: input.step,
      attempt: ctx.info.attempt,
    });
    // Keep the activity alive while the request is in flight; the heartbeat timeout catches a dead worker. Beat
    // well within the timeout the run chose, or a slow answer would time out.
    const every = heartbeatIntervalMs(ctx.info.heartbeatTimeoutMs);
    // Workflow code that sends retry bounds lets the activity bound its own retries and report its attempts; each
    // beat carries what the earlier attempts recorded, so it survives into the next attempt.
    const tracker = input.retry ? new AttemptTracker(ctx) : undefined;
    const spent = input.retry && tracker ? attemptsAlreadySpent(input.retry, tracker) : undefined;
    if (spent) throw spent;
    const conversation = await prepareConversation(deps.store, input, deps.payloads?.maxContextBytes);
    const heartbeat = setInterval(() => (tracker ? ctx.heartbeat(tracker.details()) : ctx.heartbeat()), every);
    let message: Anthropic.Message;
    try {
      message = await deps.anthropic.messages.create(
        {
          model: input.model ?? (deps.modelOverride || agent.model),
          max_tokens: input.maxTokens ?? agent.maxTokens ?? MODEL_STEP_DEFAULTS.maxTokens,
          system,
          messages: conversation.request as Anthropic.MessageParam[],
          tools: deps.registry.modelTools(agent.name, { scope: input.scope, recorded: input.tools }),
        },
        {
          // Cancellation, or the worker's own start-to-close timer, aborts the request instead of leaving it open.
          signal: ctx.cancellationSignal,
          // A stalled answer ends this attempt a little before Temporal's start-to-close would: the attempt fails
          // as a transport error with its own jittered retry delay, and the connection is closed.
          timeout: requestTimeoutMs(ctx.info.startToCloseTimeoutMs),
          headers: deps.scripted
            ? { [SCENARIO_HEADER]: input.scenario ?? null, [RUN_HEADER]: input.workflowId }
            : undefined,
        },
      );
    } catch (err) {
      // Cancelled (the run was cancelled, or the attempt timed out): report a cancellation, not a model error.
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      const failure = classifyModelError(err, { attempt: ctx.info.attempt, policy: stepPolicy(input, ctx.info.retryPolicy) });
      throw input.retry && tracker ? boundedFailure(failure, input.retry, tracker) : failure;
    } finally {
      clearInterval(heartbeat);
    }
    if (!Array.isArray(message?.content)) {
      // A 200 whose JSON is not a message (a proxy's page, a different API): the transport failed us.
      const failure = ApplicationFailure.create({
        message: 'model response is not a Messages API message (no content array)',
        type: MODEL_ERROR_TYPES.transport,
      });
      throw input.retry && tracker ? boundedFailure(failure, input.retry, tracker) : failure;
    }
    const read = readContent(message.content as unknown[], message.stop_reason, (id, name, toolInput) =>
      deps.registry.checkCall(agent.name, { toolUseId: id, toolName: name, input: toolInput }, { recorded: input.tools }),
    );
    ctx.log.info('model response', {
      correlationId: input.correlationId,
      step: input.step,
      stopReason: message.stop_reason,
      toolCalls: read.toolCalls.length,
      refusedBlocks: read.refusedBlocks.length,
    });
    // Stored before returning: a retry of this step stores the same segment again (a no-op) and gets the same head.
    const head = await storeAnswer(deps.store, conversation, { role: 'assistant', content: read.content });
    // Only a step that took more than one attempt says so: history does not grow for the usual one.
    const attempts = tracker?.summary();
    if (attempts) ctx.log.info('model step took more than one attempt', { correlationId: input.correlationId, step: input.step, attempts: attempts.count });
    return {
      model: message.model,
      content: read.content,
      conversation: head,
      text: read.text,
      stopReason: message.stop_reason,
      usage: { inputTokens: message.usage?.input_tokens ?? 0, outputTokens: message.usage?.output_tokens ?? 0 },
      toolCalls: read.toolCalls,
      ...(read.refusedBlocks.length > 0 ? { refusedBlocks: read.refusedBlocks } : {}),
      ...(attempts ? { attempts } : {}),
    };
  };
}

/** A tenth of the attempt's start-to-close timeout (at most 10 s) before it: the SDK gives up first. */
export function requestTimeoutMs(startToCloseMs: number): number {
  return Math.max(100, Math.round(startToCloseMs - Math.min(MODEL_STEP_DEFAULTS.requestTimeoutMarginMaxMs, startToCloseMs / 10)));
}

/** Blocks the agent knows: it reads text and tool_use, and passes thinking blocks back to the model unchanged. */
const KNOWN_BLOCKS = new Set(['text', 'tool_use', 'thinking', 'redacted_thinking']);

/** The tool name a refused block is filed under in the trace and the escalation. */
export const CONTENT_BLOCK = '(content block)';

/**
 * How deeply a tool_use's arguments may nest. `JSON.parse` accepts any depth, but `JSON.stringify` (the
 * conversation chain, Temporal's payload converter, logs) recurses and overflows the stack at a few thousand
 * levels: deeper arguments never leave this step. No tool's schema comes near this.
 */
export const MAX_INPUT_DEPTH = 64;

/** What a proposed call carries instead of arguments nested deeper than MAX_INPUT_DEPTH. */
export const TOO_DEEP_INPUT = `[arguments nested more than ${MAX_INPUT_DEPTH} levels deep: not kept]`;

export interface ReadContent {
  /** The blocks as the conversation keeps them (see ModelCallResult.refusedBlocks). */
  content: AssistantBlock[];
  text: string;
  toolCalls: ProposedToolCall[];
  refusedBlocks: ToolCallError[];
}

/**
 * Reads a response's content. Text blocks make the text; each well-formed tool_use becomes a proposed call with its
 * schema verdict, except that a call the response was cut off in (`max_tokens`, and the call is the last block) is
 * refused whatever its arguments look like. A block of an unknown type, or a tool_use without an id or a name, is
 * refused and replaced in the conversation by a note (the API would reject it sent back); a tool_use whose input
 * is not an object keeps its verdict (refused by the schema) and goes back to the model as `{}` for the same reason.
 * A tool_use whose input nests deeper than MAX_INPUT_DEPTH is refused (with the schema's verdict when that refuses
 * it, which names the field, else at `(root)` naming the depth) and goes back as `{}`; the proposed call carries
 * TOO_DEEP_INPUT instead of the value, so nothing after this function serializes it. Any other block nested that
 * deeply is refused like an unknown one.
 */
export function readContent(
  blocks: unknown[],
  stopReason: string | null,
  check: (toolUseId: string, name: string, input: unknown) => CallCheck,
): ReadContent {
  const content: AssistantBlock[] = [];
  const texts: string[] = [];
  const toolCalls: ProposedToolCall[] = [];
  const refusedBlocks: ToolCallError[] = [];
  blocks.forEach((raw, index) => {
    const block = isRecord(raw) ? raw : { type: typeof raw };
    const type = typeof block.type === 'string' ? block.type : '(none)';
    const wellFormedToolUse = type === 'tool_use' && nonEmpty(block.id) && nonEmpty(block.name);
    // The tool_use's input is judged below; anything else this deep (an extra field, a thinking block) goes now.
    const { input: _input, ...rest } = block;
    const tooDeep = nestedDeeperThan(type === 'tool_use' ? rest : block, MAX_INPUT_DEPTH);
    if (
      !KNOWN_BLOCKS.has(type) ||
      (type === 'tool_use' && !wellFormedToolUse) ||
      (type === 'text' && typeof block.text !== 'string') ||
      tooDeep
    ) {
      const what = tooDeep
        ? `a content block nested more than ${MAX_INPUT_DEPTH} levels deep`
        : type === 'tool_use'
          ? 'a tool_use block without a valid id and name'
          : `a content block of type "${type}"`;
      refusedBlocks.push({
        tool: CONTENT_BLOCK,
        toolUseId: `block-${index}`,
        code: 'invalid_block',
        message: `Your response contained ${what}, which this agent cannot use. It was ignored and nothing in it was executed. Use text and tool_use blocks only.`,
      });
      content.push({ type: 'text', text: `[${what} was removed here: the agent cannot use it]` });
      return;
    }
    if (type === 'text') texts.push(block.text as string);
    if (type !== 'tool_use') {
      content.push(block as AssistantBlock);
      return;
    }
    const id = block.id as string;
    const name = block.name as string;
    const cutOff = stopReason === 'max_tokens' && index === blocks.length - 1;
    const deepInput = nestedDeeperThan(block.input, MAX_INPUT_DEPTH);
    const verdict: CallCheck = cutOff
      ? {
          ok: false,
          error: {
            tool: name,
            toolUseId: id,
            code: 'truncated_call',
            message: `Your response reached the max_tokens limit while writing this call to "${name}", so its arguments may be incomplete. It was not executed. Call the tool again with complete arguments (keep them short), or answer without it.`,
          },
        }
      : deepInput
        ? tooDeepVerdict(check(id, name, block.input), id, name)
        : check(id, name, block.input);
    toolCalls.push({ toolUseId: id, name, input: deepInput ? TOO_DEEP_INPUT : block.input, check: verdict });
    content.push(isRecord(block.input) && !deepInput ? (block as AssistantBlock) : { ...block, type: 'tool_use', id, name, input: {} });
  });
  return { content, text: texts.join('\n'), toolCalls, refusedBlocks };
}

/**
 * The check's verdict on arguments nested too deeply, which must be a refusal: the schema's own when it refuses
 * them (it names the field, and describes the deep value without printing it), else a refusal at `(root)` (the
 * depth is in a key the schema would strip, or a field that accepts anything). The schema check itself never
 * throws on depth (agents/validate.ts).
 */
function tooDeepVerdict(verdict: CallCheck, toolUseId: string, tool: string): CallCheck {
  if (!verdict.ok) return verdict;
  const field = { path: '(root)', expected: `arguments nested at most ${MAX_INPUT_DEPTH} levels deep`, received: `more than ${MAX_INPUT_DEPTH} levels` };
  return {
    ok: false,
    error: {
      tool,
      toolUseId,
      code: 'invalid_input',
      fields: [field],
      message:
        `The arguments for "${tool}" are nested more than ${MAX_INPUT_DEPTH} levels deep, so it was not executed:\n` +
        `- ${field.path}: expected ${field.expected}, got ${field.received}\nCall the tool again with flat arguments.`,
    },
  };
}

/**
 * Whether a JSON value nests deeper than `limit` (a scalar is depth 0, `{}` and `[]` depth 1). Iterative, and it
 * stops at the first path past the limit, so neither depth nor a cycle can make it recurse or loop.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(current)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * The step's backoff: from its input when the workflow sent it (an eager activity task can arrive without its
 * retry policy, server 1.29.1), else from the task's retry policy.
 */
export function stepPolicy(input: ModelCallInput, task: RetryPolicy | undefined): RetryPolicy | undefined {
  const backoff = input.retry?.backoff;
  if (!backoff) return task;
  return { ...task, initialInterval: backoff.initialIntervalMs, backoffCoefficient: backoff.backoffCoefficient, maximumInterval: backoff.maximumIntervalMs };
}

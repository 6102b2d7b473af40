/**
 * Tool execution: each tool is its own activity type, `tool.<name>`, so the history and the Temporal UI say which
 * tool ran. The arguments were checked before dispatch; they are parsed again here so a tool's `run` never sees
 * input its schema rejects, whatever path the call took (including a person's edit).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ToolDefinition } from '../agents/define';
import { formatFieldErrors, validateAgainst } from '../agents/validate';
import type { ReportedToolOutput, ToolActivityInput, ToolCallContext, ToolRunContext, VerifyActionInput } from '../common/model';
import { isOffloaded } from '../common/conversation';
import { heartbeatIntervalMs, PAYLOAD_DEFAULTS } from '../common/defaults';
import { TOOL_ERROR_TYPES } from '../common/failures';
import type { BlobStore } from '../stores/blob-store';
import { AttemptTracker } from './attempts';
import { loadOffloaded, offloadIfLarge } from './conversation-io';

/**
 * Without a store, outputs always travel inline (as before conversations by reference). `inlineResultBytes`: outputs
 * above it are stored and travel as references (default: common/defaults.ts; the worker passes its configured one).
 */
export function createToolActivity(tool: ToolDefinition, store?: BlobStore, inlineResultBytes: number = PAYLOAD_DEFAULTS.inlineResultBytes) {
  return async function runTool(input: ToolActivityInput): Promise<unknown> {
    const ctx = Context.current();
    const log = { correlationId: input.context.correlationId, workflowId: input.context.workflowId, step: input.context.step, tool: tool.name };
    const parsedInput = validateAgainst(tool.input, input.args);
    if (!parsedInput.ok) {
      throw ApplicationFailure.nonRetryable(
        `arguments for "${tool.name}" do not match its input schema:\n${formatFieldErrors(parsedInput.fields)}`,
        TOOL_ERROR_TYPES.invalidInput,
        parsedInput.fields,
      );
    }
    ctx.log.info('tool call', { ...log, attempt: ctx.info.attempt });
    let output: unknown;
    // Workflow code that asks for the attempts gets them: each beat carries what earlier attempts recorded (next
    // to the tool's own details), and a retried failure is recorded before it is thrown (activities/attempts.ts).
    const tracker = input.reportAttempts ? new AttemptTracker(ctx) : undefined;
    const context = runContext(input.context, tracker);
    // Beats for the tool while it runs (repeating the tool's own last details), a third of the heartbeat timeout
    // apart: a live call stays alive however long it takes, and a dead worker's call is retried within the timeout.
    const beat = setInterval(() => context.beat(), heartbeatIntervalMs(ctx.info.heartbeatTimeoutMs));
    try {
      output = await tool.run(parsedInput.value, context);
    } catch (err) {
      if (err instanceof Error && err.name === 'ToolError') {
        throw ApplicationFailure.nonRetryable(err.message, TOOL_ERROR_TYPES.failed);
      }
      // Anything else is presumed transient: Temporal retries it per the tool's policy.
      if (!ctx.cancellationSignal.aborted) tracker?.fail({ kind: 'failed', reason: err instanceof Error ? err.message : String(err) }, context.lastDetails());
      throw err;
    } finally {
      clearInterval(beat);
    }
    if (tool.output) {
      const parsedOutput = validateAgainst(tool.output, output);
      if (!parsedOutput.ok) {
        // Malformed output is a failed call, never passed on silently to the model.
        throw ApplicationFailure.nonRetryable(
          `"${tool.name}" returned output that does not match its output schema:\n${formatFieldErrors(parsedOutput.fields, { received: false })}`,
          TOOL_ERROR_TYPES.invalidOutput,
          parsedOutput.fields,
        );
      }
      output = parsedOutput.value;
    }
    ctx.log.info('tool result', log);
    // undefined does not survive JSON; a tool that returns nothing reports `null`. A large output is stored once
    // and travels through history as a reference (the model step puts it back for the model).
    const value = output === undefined ? null : output;
    const stored = store ? await offloadIfLarge(store, value, inlineResultBytes) : value;
    if (!tracker) return stored;
    const attempts = tracker.summary();
    const reported: ReportedToolOutput = { output: stored, ...(attempts ? { attempts } : {}) };
    return reported;
  };
}

/** The context a tool sees: the call's, plus the activity's heartbeat and cancellation signal. */
function runContext(context: ToolCallContext, tracker?: AttemptTracker): ToolRunContext & { lastDetails(): unknown; beat(): void } {
  const ctx = Context.current();
  let last: unknown;
  const send = (details: unknown) => ctx.heartbeat(tracker ? tracker.details(details) : details);
  return {
    ...context,
    heartbeat: (details?: unknown) => {
      last = details;
      send(details);
    },
    signal: ctx.cancellationSignal,
    lastDetails: () => last,
    beat: () => send(last),
  };
}

/** Runs a tool's verify() after its action: `true`, or what is wrong. Never throws for a failed check. */
export function createVerifyActivity(tool: ToolDefinition, store?: BlobStore) {
  return async function verifyAction(input: VerifyActionInput): Promise<{ ok: boolean; detail: string }> {
    if (!tool.verify) return { ok: true, detail: 'no verify() defined' };
    const args = validateAgainst(tool.input, input.args);
    if (!args.ok) return { ok: false, detail: 'the recorded arguments no longer match the tool schema' };
    const result = store && isOffloaded(input.result) ? await loadOffloaded(store, input.result) : input.result;
    const outcome = await tool.verify(args.value, result, runContext(input.context));
    return outcome === true ? { ok: true, detail: 'verified' } : { ok: false, detail: outcome };
  };
}

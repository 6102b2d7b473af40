/**
 * Scenario files for the scripted model: what the model "says" at each turn of a conversation, which errors it
 * throws first, and what it expects to have been sent. Plain JSON so anyone can write one (see docs/scenarios.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Transport faults: what a flaky network or proxy does to an answer. `reset` drops the connection without a
 * response; `truncate` sends a 200 whose body stops halfway (the connection closes); `invalid_json` sends a
 * complete 200 whose body is not JSON; `stall` accepts the request and never answers (until the client gives up).
 */
export const FAULTS = ['reset', 'truncate', 'invalid_json', 'stall'] as const;
export type Fault = (typeof FAULTS)[number];

/** A failed attempt, played before the turn's answer: attempt i of a turn gets errors[i]. */
export const scriptedErrorSchema = z
  .strictObject({
    /** An API error with this status (the real error body). Exactly one of `status` and `fault`. */
    status: z.number().int().min(400).max(599).optional(),
    /** A transport fault instead of an API error. */
    fault: z.enum(FAULTS).optional(),
    /** Seconds, sent as the `retry-after` header (the SDK and our error classifier read it). */
    retryAfter: z.number().nonnegative().optional(),
    message: z.string().optional(),
    /** Overrides the error type derived from the status (e.g. `billing_error` for a 400). */
    type: z.string().min(1).optional(),
    /** Wait before sending this error; longer than the client's timeout makes the attempt time out instead. */
    delayMs: z.number().int().nonnegative().optional(),
  })
  .superRefine((e, ctx) => {
    if ((e.status === undefined) === (e.fault === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a scripted error needs exactly one of "status" and "fault"' });
      return;
    }
    if (e.fault === undefined) return;
    // A fault has no error body or headers: these fields would be silently ignored, so they are refused.
    for (const key of ['retryAfter', 'message', 'type'] as const) {
      if (e[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" does not apply to a fault` });
    }
    if (e.fault === 'stall' && e.delayMs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['delayMs'], message: '"delayMs" does not apply to a stall (it never answers)' });
    }
  });

export const toolCallSchema = z.strictObject({
  name: z.string(),
  /** Deliberately any JSON (tests send malformed input, even non-objects); absent means `{}`. */
  input: z.unknown().optional(),
});

export const expectSchema = z.strictObject({
  /** Each string must appear in the last user message's text, tool_result contents included. */
  lastUserContains: z.array(z.string()).optional(),
  /** None of these may appear there. */
  lastUserNotContains: z.array(z.string()).optional(),
  /** Whether the last user message carries a tool_result with `is_error: true`. */
  toolResultError: z.boolean().optional(),
  /** Tool names that must be offered in the request's `tools`. */
  toolsInclude: z.array(z.string()).optional(),
  /** Each string must appear in the system prompt. */
  systemContains: z.array(z.string()).optional(),
});

export const STOP_REASONS = ['end_turn', 'tool_use', 'max_tokens', 'stop_sequence', 'pause_turn', 'refusal'] as const;

export const turnSchema = z
  .strictObject({
    /** JSON has no comments: a place to say what the turn is for. Ignored. */
    comment: z.string().optional(),
    text: z.string().optional(),
    toolCalls: z.array(toolCallSchema).optional(),
    /** Raw content blocks, sent as they are (overrides text and toolCalls); to script odd blocks. */
    content: z.array(z.unknown()).optional(),
    stop_reason: z.enum(STOP_REASONS).optional(),
    usage: z
      .strictObject({
        input_tokens: z.number().int().nonnegative().optional(),
        output_tokens: z.number().int().nonnegative().optional(),
      })
      .optional(),
    errors: z.array(scriptedErrorSchema).optional(),
    delayMs: z.number().int().nonnegative().optional(),
    expect: expectSchema.optional(),
  })
  // A turn with nothing to say is almost always a typo; an empty answer must be asked for with `content: []`.
  .refine((t) => t.text !== undefined || t.toolCalls !== undefined || t.content !== undefined, {
    message: 'a turn needs "text", "toolCalls" or "content"',
  });

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  turns: z.array(turnSchema),
});

export type ScriptedError = z.infer<typeof scriptedErrorSchema>;
export type ScriptedToolCall = z.infer<typeof toolCallSchema>;
export type TurnExpect = z.infer<typeof expectSchema>;
export type Turn = z.infer<typeof turnSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;

export interface LoadedScenario {
  scenario: Scenario;
  /** Absolute path of the file it came from. */
  file: string;
}

/** A path names a file (has a separator or ends in .json); anything else is a name looked up in the dirs. */
function looksLikePath(nameOrPath: string): boolean {
  return nameOrPath.endsWith('.json') || nameOrPath.includes('/') || nameOrPath.includes('\\');
}

function findScenarioFile(nameOrPath: string, scenarioDirs: readonly string[]): string {
  if (looksLikePath(nameOrPath)) {
    const file = isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
    if (!existsSync(file)) throw new Error(`scenario file ${file} not found`);
    return file;
  }
  for (const dir of scenarioDirs) {
    const file = resolve(join(dir, `${nameOrPath}.json`));
    if (existsSync(file)) return file;
  }
  const where = scenarioDirs.length > 0 ? scenarioDirs.join(', ') : '(no scenario directories configured)';
  throw new Error(`scenario "${nameOrPath}" not found: no ${nameOrPath}.json in ${where}`);
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Reads and validates a scenario. Read on every call, not cached, so an edited file takes effect on the next
 * request. Every failure is one line naming the file, which is what ends up in a 400 body or a test failure.
 */
export function loadScenario(nameOrPath: string, scenarioDirs: readonly string[]): LoadedScenario {
  const file = findScenarioFile(nameOrPath, scenarioDirs);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`invalid scenario file ${file}: not readable JSON: ${reason.replace(/\s+/g, ' ')}`);
  }
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) throw new Error(`invalid scenario file ${file}: ${formatIssues(parsed.error.issues)}`);
  return { scenario: parsed.data, file };
}

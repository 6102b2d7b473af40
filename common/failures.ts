/**
 * Names shared by the workflow and the activities: activity types and failure types. Values, not just types, so
 * they live here (the workflow may import from common/, never from activities/).
 */

/** Each tool is its own activity type, so history and the Temporal UI name the tool that ran. */
export function toolActivityName(tool: string): string {
  return `tool.${tool}`;
}

/** A tool's verify() runs as its own activity, after the action. */
export function verifyActivityName(tool: string): string {
  return `tool.${tool}.verify`;
}

/** Failure types a tool activity raises that go back to the model instead of being retried. */
export const TOOL_ERROR_TYPES = {
  invalidInput: 'ToolInputInvalid',
  invalidOutput: 'ToolOutputInvalid',
  failed: 'ToolError',
} as const;

/** How the model activity classifies the Messages API's errors. */
export const MODEL_ERROR_TYPES = {
  rateLimited: 'ModelRateLimited',
  overloaded: 'ModelOverloaded',
  serverError: 'ModelServerError',
  transport: 'ModelTransportError',
  badRequest: 'ModelBadRequest',
  auth: 'ModelAuthError',
  /** Out of credit, or an organisation's or workspace's spend limit reached: money, not load. Not retried. */
  spendLimit: 'ModelSpendLimit',
} as const;

/**
 * Failure types that mean "the model cannot be reached now", not "the request is wrong": when a model step still
 * fails with one of these after its retries (or a spend limit, which is not retried), the run escalates to a
 * person (`model_unavailable`) instead of failing. A bad request or a rejected key still fails the run.
 */
export const MODEL_UNAVAILABLE_TYPES: readonly string[] = [
  MODEL_ERROR_TYPES.rateLimited,
  MODEL_ERROR_TYPES.overloaded,
  MODEL_ERROR_TYPES.serverError,
  MODEL_ERROR_TYPES.transport,
  MODEL_ERROR_TYPES.spendLimit,
];

export const UNKNOWN_AGENT = 'UnknownAgent';

/**
 * A blob the model step needs (a conversation segment) does not hash to its key: the store lost or altered it.
 * Non-retryable (the same bytes come back every time); the message names the key, never the content.
 */
export const STORE_CORRUPT = 'StoreCorrupt';

/** Why an agent run failed, as the workflow's ApplicationFailure type. */
export const RUN_FAILURE_TYPE = 'AgentRunFailed';
/** A run ended at its start because its options cannot be applied (common/run.ts `runOptionsProblem`). */
export const INVALID_RUN_OPTIONS = 'InvalidRunOptions';
export const RESOLUTION_REJECTED = 'ResolutionRejected';
/** The run was started with carried state (`continued`) that did not come from its own predecessor. */
export const CARRIED_STATE_REFUSED = 'CarriedStateRefused';

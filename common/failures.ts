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
} as const;

export const UNKNOWN_AGENT = 'UnknownAgent';

/** Why an agent run failed, as the workflow's ApplicationFailure type. */
export const RUN_FAILURE_TYPE = 'AgentRunFailed';
export const RESOLUTION_REJECTED = 'ResolutionRejected';

/**
 * Activity stubs and their policies. The workflow imports activity types only; tool code never enters the bundle.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { AgentActivities, ToolActivity, VerifyActivity } from '../activities';
import { MODEL_ERROR_TYPES, toolActivityName, TOOL_ERROR_TYPES, UNKNOWN_AGENT, verifyActivityName } from '../common/failures';
import { AGENT_ACTIVITY_DEFAULTS, MODEL_RETRY_DEFAULTS, MODEL_STEP_DEFAULTS, TOOL_DEFAULTS } from '../common/defaults';
import type { RunOptions, ToolSpec } from '../common/run';

export const agentActivities = proxyActivities<AgentActivities>({
  startToCloseTimeout: AGENT_ACTIVITY_DEFAULTS.startToCloseTimeoutMs,
  retry: { maximumAttempts: AGENT_ACTIVITY_DEFAULTS.maximumAttempts, nonRetryableErrorTypes: [UNKNOWN_AGENT] },
});

export { MODEL_RETRY_DEFAULTS };

/** The run's model retry options, and whether the activity bounds its own retries (`patched('model-rate-limit-budget')`). */
export type ModelRetrySettings = NonNullable<RunOptions['modelRetry']> & { budgeted?: boolean };

/**
 * The model step. Temporal owns retries (the SDK's are off): 1 s doubling to 30 s, 5 attempts. Temporal's policy
 * has no jitter, so the activity names each retry's delay itself through the failure's nextRetryDelay (between
 * half and all of the policy's interval; a 429's `retry-after`). A spend limit, a bad request and a rejected key are
 * not retried. The heartbeat timeout notices a worker that died mid-request long before the start-to-close would.
 */
export function modelActivity(
  timeouts: RunOptions['timeouts'] = {},
  summary?: string,
  retry: ModelRetrySettings = {},
): AgentActivities['model.call'] {
  return proxyActivities<AgentActivities>({
    // Shown in the Temporal UI next to the activity: which step this call is.
    summary,
    startToCloseTimeout: timeouts.modelStartToCloseMs ?? MODEL_STEP_DEFAULTS.startToCloseTimeoutMs,
    // A dead worker's model call is retried elsewhere within this; the live one beats every third of it.
    heartbeatTimeout: timeouts.modelHeartbeatMs ?? MODEL_STEP_DEFAULTS.heartbeatTimeoutMs,
    retry: {
      initialInterval: retry.initialIntervalMs ?? MODEL_RETRY_DEFAULTS.initialIntervalMs,
      backoffCoefficient: MODEL_RETRY_DEFAULTS.backoffCoefficient,
      maximumInterval: retry.maximumIntervalMs ?? MODEL_RETRY_DEFAULTS.maximumIntervalMs,
      // A budgeted step bounds its own retries (a time budget for rate limits and overload, the count for the
      // rest: activities/model-errors.ts boundedFailure); the policy's count is then only a safety net.
      maximumAttempts: retry.budgeted ? MODEL_RETRY_DEFAULTS.attemptsCeiling : (retry.maximumAttempts ?? MODEL_RETRY_DEFAULTS.maximumAttempts),
      nonRetryableErrorTypes: [MODEL_ERROR_TYPES.badRequest, MODEL_ERROR_TYPES.auth, MODEL_ERROR_TYPES.spendLimit, UNKNOWN_AGENT],
    },
  })['model.call'];
}

/** A tool's activity, with the tool's own timeout and retry budget; `summary` labels the call in the Temporal UI. */
export function toolActivity(tool: ToolSpec, summary?: string): ToolActivity {
  const stubs = proxyActivities<Record<string, ToolActivity>>({
    summary,
    startToCloseTimeout: tool.startToCloseTimeoutMs,
    ...(tool.heartbeatTimeoutMs !== undefined ? { heartbeatTimeout: tool.heartbeatTimeoutMs } : {}),
    retry: {
      initialInterval: TOOL_DEFAULTS.initialRetryIntervalMs,
      backoffCoefficient: TOOL_DEFAULTS.backoffCoefficient,
      maximumAttempts: tool.maximumAttempts,
      nonRetryableErrorTypes: Object.values(TOOL_ERROR_TYPES),
    },
  });
  return stubs[toolActivityName(tool.name)] as ToolActivity;
}

/** A tool's verify(): a read, retried like one. */
export function verifyActivity(tool: ToolSpec): VerifyActivity {
  const stubs = proxyActivities<Record<string, VerifyActivity>>({
    summary: `verify the effect of ${tool.name}`,
    startToCloseTimeout: tool.startToCloseTimeoutMs,
    retry: { initialInterval: TOOL_DEFAULTS.initialRetryIntervalMs, maximumAttempts: TOOL_DEFAULTS.maximumAttempts },
  });
  return stubs[verifyActivityName(tool.name)] as VerifyActivity;
}

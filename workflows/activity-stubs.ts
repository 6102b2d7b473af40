/**
 * Activity stubs and their policies. The workflow imports activity types only; tool code never enters the bundle.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { AgentActivities, ToolActivity, VerifyActivity } from '../activities';
import { MODEL_ERROR_TYPES, toolActivityName, TOOL_ERROR_TYPES, UNKNOWN_AGENT, verifyActivityName } from '../common/failures';
import type { RunOptions, ToolSpec } from '../common/run';

export const agentActivities = proxyActivities<AgentActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [UNKNOWN_AGENT] },
});

/**
 * The model step. Temporal owns retries (the SDK's are off): backoff with jitter from 1 s to 30 s; a 429's
 * `retry-after` overrides the interval through the failure's nextRetryDelay. The heartbeat timeout notices a
 * worker that died mid-request long before the start-to-close timeout would.
 */
export function modelActivity(timeouts: RunOptions['timeouts'] = {}, summary?: string): AgentActivities['model.call'] {
  return proxyActivities<AgentActivities>({
    // Shown in the Temporal UI next to the activity: which step this call is.
    summary,
    startToCloseTimeout: timeouts.modelStartToCloseMs ?? '2 minutes',
    heartbeatTimeout: timeouts.modelHeartbeatMs ?? '30 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 5,
      nonRetryableErrorTypes: [MODEL_ERROR_TYPES.badRequest, MODEL_ERROR_TYPES.auth, UNKNOWN_AGENT],
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
      initialInterval: '500 milliseconds',
      backoffCoefficient: 2,
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
    retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
  });
  return stubs[verifyActivityName(tool.name)] as VerifyActivity;
}

/**
 * Every default durable-agent runs with, in one place: docs/tuning.md in code (the table there says why each value
 * was chosen, from which measurement). Change a value here and there together.
 *
 * Pure constants and arithmetic only: workflow code imports this module, so no Node built-ins and no I/O (lint
 * enforces it for common/).
 *
 * @example
 * import { WORKER_DEFAULTS } from 'durable-agent/common/defaults';
 * await createAgentWorker({ agents, maxCachedWorkflows: WORKER_DEFAULTS.maxCachedWorkflows * 2 });
 */

/** Where a worker, a client and the CLI find Temporal when nothing says otherwise: the local dev server. */
export const CONNECTION_DEFAULTS = {
  address: '127.0.0.1:7233',
  namespace: 'default',
  taskQueue: 'durable-agent',
  /** Base URL of the Temporal Web UI, for links to runs. */
  uiUrl: 'http://127.0.0.1:8233',
  /** How long a client waits to connect before giving up. */
  connectTimeoutMs: 5_000,
} as const;

/** `createAgentWorker` options (docs/tuning.md: sticky-queue timeout, workflow cache, heartbeat cap, shutdown grace, task slots). */
export const WORKER_DEFAULTS = {
  /** SDK: 10 s. After a worker dies, each run it had cached waits this long once before another worker replays it. */
  stickyQueueScheduleToStartTimeoutMs: 3_000,
  /** SDK: from the heap size. 1,000 cached runs took 4.2 GB. */
  maxCachedWorkflows: 100,
  /** Under Kubernetes' 30 s kill grace; measured drains took about 2.5 s. */
  shutdownGraceTimeMs: 20_000,
  /** SDK: 60 s. A live call reports every 2 s or so, leaving most of its heartbeat timeout for the round trip. */
  maxHeartbeatThrottleIntervalMs: 2_000,
  /** SDK: 40. Fewer slots leave a backlog on the server, where any worker can take it. */
  maxConcurrentWorkflowTaskExecutions: 10,
} as const;

/** How long one workflow task may take before the server gives it to another worker (Temporal: 10 s). */
export const WORKFLOW_TASK_TIMEOUT_DEFAULTS = {
  defaultMs: 5_000,
  /** Under a second, a replay on a busy worker could time out again and again. */
  minMs: 1_000,
  /** Temporal's own ceiling. */
  maxMs: 120_000,
} as const;

/** The model step (workflows/activity-stubs.ts applies these unless the run's options say otherwise). */
export const MODEL_STEP_DEFAULTS = {
  startToCloseTimeoutMs: 120_000,
  /** How soon a model call on a dead worker is retried elsewhere. */
  heartbeatTimeoutMs: 5_000,
  /** max_tokens of each request, unless the agent sets its own. */
  maxTokens: 4096,
  /** The SDK request ends a tenth of the start-to-close before it, but at most this much before. */
  requestTimeoutMarginMaxMs: 10_000,
} as const;

/**
 * The model step's retry policy: 1 s doubling to 30 s, 5 attempts. Temporal's policy has no jitter, so the activity
 * names each retry's delay itself (activities/model-errors.ts) from these same numbers. Rate limits and overload
 * (429, 529) are not counted: they are retried, honouring `retry-after`, for `rateLimitBudgetMs` (10 min), and
 * `attemptsCeiling` is only the policy's safety net, so that no path can retry forever.
 */
export const MODEL_RETRY_DEFAULTS = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
  maximumAttempts: 5,
  rateLimitBudgetMs: 10 * 60 * 1000,
  attemptsCeiling: 10_000,
} as const;

/** A tool's activity, unless the tool sets its own (`defineTool({ timeoutMs, heartbeatTimeoutMs, maximumAttempts })`). */
export const TOOL_DEFAULTS = {
  startToCloseTimeoutMs: 30_000,
  /** The tool activity beats for the tool while `run` is in flight, so a dead worker is noticed this soon. */
  heartbeatTimeoutMs: 5_000,
  maximumAttempts: 3,
  initialRetryIntervalMs: 500,
  backoffCoefficient: 2,
} as const;

/** The small bookkeeping activities (`agent.describe`, `agent.checkToolArgs`). */
export const AGENT_ACTIVITY_DEFAULTS = { startToCloseTimeoutMs: 10_000, maximumAttempts: 3 } as const;

/** An agent's policy, unless `defineAgent` says otherwise. */
export const AGENT_DEFAULTS = {
  /** Calls that act, stating a confidence below this, are escalated. */
  minConfidence: 0.5,
  /** Corrective attempts the model gets after a refused call, before the run escalates. */
  correctiveRetries: 1,
  /** How long an escalation waits for a person: a day. */
  escalationTimeoutMs: 24 * 60 * 60 * 1000,
  limits: { maxSteps: 25, maxTokens: 200_000 },
} as const;

/** When a long run continues in a fresh execution: well under Temporal's 10,240-event and 10 MB warnings. */
export const CONTINUE_AS_NEW_DEFAULTS = { maxEvents: 4_000, maxBytes: 4_000_000 } as const;

/** Sizes of what travels through history and to the model. */
export const PAYLOAD_DEFAULTS = {
  /** Tool outputs above this (JSON bytes) are stored once and travel as references. */
  inlineResultBytes: 8 * 1024,
  /** Payloads above this go to the store (External Storage); Temporal refuses a payload over 2 MB. */
  offloadBytes: 64 * 1024,
  /** Requests larger than this (JSON bytes, about 100k tokens) get their oldest tool results elided. */
  maxContextBytes: 400_000,
  /**
   * A run that ends in its first execution with a record (trace and ledger JSON) up to this size returns it in its
   * result, so a client that does not share the workers' store still reads it; a longer one archives it and the
   * result names it (workflows/record-archive.ts). Under offloadBytes, so such a result stays in history. A
   * constant of the workflow code: changing it changes which runs schedule an archive step (a patch).
   */
  inlineRecordBytes: 32 * 1024,
} as const;

/** Heartbeats sent by the activities themselves while a call is in flight. */
export const HEARTBEAT_DEFAULTS = {
  /** Assumed when the activity has no heartbeat timeout. */
  assumedTimeoutMs: 15_000,
  /** Never beat more often than this... */
  minIntervalMs: 100,
  /** ...nor less often. */
  maxIntervalMs: 5_000,
} as const;

/**
 * How often an activity beats for a call in flight: a third of its heartbeat timeout, between 100 ms and 5 s. A
 * live call stays alive however long it takes, and a dead worker's call is retried within the timeout.
 *
 * @example
 * heartbeatIntervalMs(5_000); // 1667
 */
export function heartbeatIntervalMs(heartbeatTimeoutMs: number | undefined): number {
  const timeout = heartbeatTimeoutMs ?? HEARTBEAT_DEFAULTS.assumedTimeoutMs;
  return Math.min(HEARTBEAT_DEFAULTS.maxIntervalMs, Math.max(HEARTBEAT_DEFAULTS.minIntervalMs, timeout / 3));
}

/** The scripted model server's own defaults. */
export const SCRIPTED_MODEL_DEFAULTS = {
  host: '127.0.0.1',
  /** The standalone server's port; in-process servers pick a free one (0). */
  port: 8787,
  maxRecordedRequests: 1000,
  /** Bodies past this are refused like the real API's 413. */
  maxBodyBytes: 32 * 1024 * 1024,
} as const;

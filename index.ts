/** durable-agent's public API: define tools and agents, run a worker, start and steer runs. */
export { defineAgent, defineTool, ToolError, type AgentDefinition, type ToolDefinition } from './agents/define';
export {
  AgentClient,
  AgentRun,
  ResolutionRejectedError,
  RunNotFoundError,
  type RunSummary,
  type StartRunOptions,
} from './client/agent-client';
export { connectionSettings, runUrl, type ConnectionSettings } from './client/config';
export { ConfigError, configFromEnv, type DurableAgentConfig } from './common/config';
export { TemporalCredentials } from './common/temporal-credentials';
export { TemporalConnectionError, type ConnectFailureKind } from './connection/connect-failure';
/** Every default durable-agent runs with (docs/tuning.md): `defaults.WORKER_DEFAULTS.maxCachedWorkflows`. */
export * as defaults from './common/defaults';
export type * from './common/run';
export type * from './common/trace';
export type * from './common/escalation';
export type { ToolCallContext } from './common/model';

/**
 * Where to find Temporal. The settings are part of the configuration (common/config.ts), read from the environment
 * once at a process edge; this keeps the client's names for them and builds links to the Temporal Web UI.
 */
import { connectionFromEnv, type ConnectionSettings } from '../common/config';

export type { ConnectionSettings };

/**
 * The connection settings in `env`: Temporal's profile and TEMPORAL_* variables (docs/connecting.md),
 * DURABLE_AGENT_TASK_QUEUE, TEMPORAL_UI_URL, with the dev server's defaults. Throws a one-line `ConfigError` for a
 * bad value (a variable, the profile file, a certificate it names).
 *
 * @example
 * connectionSettings({ TEMPORAL_ADDRESS: 'temporal:7233' }).namespace; // 'default'
 */
export function connectionSettings(env: Readonly<Record<string, string | undefined>> = process.env): ConnectionSettings {
  return connectionFromEnv(env);
}

/** The run's history page in the Temporal Web UI (the UI needs the run id in the path; without it, it answers 400). */
export function runUrl(settings: Pick<ConnectionSettings, 'uiUrl' | 'namespace'>, workflowId: string, runId: string): string {
  const ns = encodeURIComponent(settings.namespace);
  return `${settings.uiUrl}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

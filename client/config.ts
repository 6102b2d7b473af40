/**
 * Where to find Temporal, from the environment, with the dev server's defaults. Shared by the client, the worker
 * and the CLI so they always agree on the namespace and task queue.
 */
export interface ConnectionSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for links to runs. */
  uiUrl: string;
}

export function connectionSettings(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  return {
    address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.DURABLE_AGENT_TASK_QUEUE || 'durable-agent',
    uiUrl: env.TEMPORAL_UI_URL || 'http://127.0.0.1:8233',
  };
}

/** The run's history page in the Temporal Web UI (the UI needs the run id in the path; without it, it answers 400). */
export function runUrl(settings: Pick<ConnectionSettings, 'uiUrl' | 'namespace'>, workflowId: string, runId: string): string {
  const ns = encodeURIComponent(settings.namespace);
  return `${settings.uiUrl}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

/**
 * The project's counters, as a table both sides read: the workflow names one and its labels (workflows/metrics.ts),
 * the worker's sink creates it on the runtime's meter and adds the execution's labels (workers/metrics-sink.ts).
 *
 * Names have no `_total`: the runtime's Prometheus exporter appends it to every counter (workers/prometheus.ts).
 */
export const COUNTERS = {
  durable_agent_validation_failures: { unit: 'calls', description: 'tool calls refused before dispatch' },
  durable_agent_corrective_retries: { unit: 'retries', description: 'corrective attempts given to the model' },
  durable_agent_escalations: { unit: 'escalations', description: 'escalations raised, by kind' },
  durable_agent_resolutions: { unit: 'resolutions', description: 'resolutions received, by decision and outcome' },
  durable_agent_tokens: { unit: 'tokens', description: 'model tokens, by direction' },
  durable_agent_actions: { unit: 'actions', description: 'write and irreversible calls that ran' },
} as const;

export type CounterName = keyof typeof COUNTERS;


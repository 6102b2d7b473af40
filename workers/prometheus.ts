/**
 * How the worker's Prometheus endpoint names what it serves: the Temporal runtime's own metrics and the
 * `durable_agent_*` counters the workflow emits (workflows/metrics.ts) go through the same exporter.
 */
import type { MetricsExporterConfig } from '@temporalio/worker';

/**
 * The runtime's Prometheus exporter, set up the way Prometheus operators expect: counters end in `_total` and
 * durations are in seconds with the unit in the name (`temporal_request_latency_seconds_bucket`). The core SDK's
 * defaults are the opposite (no suffix, integer milliseconds), which breaks `rate(x_total[5m])` queries and the
 * `_seconds` histograms ready-made dashboards use. The counters are named without `_total` in code: the exporter
 * appends it, to ours and to Temporal's alike.
 *
 * @example
 * Runtime.install({ telemetryOptions: { metrics: prometheusMetrics('0.0.0.0:9464') } });
 * // http://0.0.0.0:9464/metrics: durable_agent_escalations_total{agent="ops",kind="approval_required",...} 1
 */
export function prometheusMetrics(bindAddress: string): MetricsExporterConfig {
  return {
    prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true, unitSuffix: true },
  };
}

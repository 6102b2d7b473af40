/**
 * The worker's end of the workflow's counters (workflows/metrics.ts): each created once on the runtime's meter and
 * labelled with the execution's namespace, task queue and workflow type under Temporal's own names. Not called on
 * replay. A counter name the table does not have is dropped: a series is created only for what the code defines.
 */
import type { MetricCounter } from '@temporalio/common';
import { Runtime, type InjectedSinks } from '@temporalio/worker';
import { COUNTERS, type CounterName } from '../common/metrics';
import type { MetricsSinks } from '../workflows/metrics';

export function metricsSink(): InjectedSinks<MetricsSinks> {
  const counters = new Map<CounterName, MetricCounter>();
  const counter = (name: CounterName) => {
    let found = counters.get(name);
    if (!found) {
      const { unit, description } = COUNTERS[name];
      found = Runtime.instance().metricMeter.createCounter(name, unit, description);
      counters.set(name, found);
    }
    return found;
  };
  return {
    durableAgentMetrics: {
      add: {
        fn: (info, name, value, labels) => {
          if (!Object.hasOwn(COUNTERS, name)) return;
          counter(name).add(value, { ...labels, namespace: info.namespace, task_queue: info.taskQueue, workflow_type: info.workflowType });
        },
        callDuringReplay: false,
      },
    },
  };
}

/** Small waits and history checks shared by the workflow tests. */
import type { Escalation } from '../../common/escalation';
import type { TraceEvent, TraceKind } from '../../common/trace';
import type { AgentRun } from '../../client/agent-client';

/** Polls the run's query until it has a pending escalation. */
export async function waitForEscalation(run: AgentRun, timeoutMs = 30_000): Promise<Escalation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await run.pendingEscalation();
    if (pending) return pending;
    const description = await run.handle.describe();
    if (description.status.name !== 'RUNNING') {
      const result = await run.result();
      throw new Error(`run ${run.workflowId} ended ${result.status} without escalating: ${result.text}`);
    }
    if (Date.now() > deadline) throw new Error(`run ${run.workflowId} did not escalate within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function kinds(trace: TraceEvent[]): TraceKind[] {
  return trace.map((e) => e.kind);
}

export function eventsOf<K extends TraceKind>(trace: TraceEvent[], kind: K): Extract<TraceEvent, { kind: K }>[] {
  return trace.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}

/** Activity types scheduled in the run's history, in order: what actually ran, from Temporal's own record. */
export async function scheduledActivities(run: AgentRun): Promise<string[]> {
  const history = await run.handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((name): name is string => typeof name === 'string');
}

let counter = 0;
/** A correlation id unique within the test run. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

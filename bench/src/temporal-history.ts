/**
 * What the benchmarks read from Temporal histories: their size, schedule-to-start latencies, and when a given
 * worker first made progress on a run. A run that continued-as-new is a chain of executions under one workflow
 * id; every figure here covers the whole chain (a run's cost does not stop at its latest execution). Event times
 * are the server's clock (the same machine's).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One execution of a run: its run id and events. */
export interface Execution {
  runId: string;
  events: HistoryEvent[];
}

export interface HistorySize {
  /** Sum of the server's own counts (`historySizeBytes`), which its 10 MB warning and 50 MB limit apply to, per execution. */
  serverBytes: number;
  /** The events encoded with the proto, summed: the same figure measured here, and a check on the server's. */
  encodedBytes: number;
  events: number;
  executions: number;
  /** The largest single execution's history, by the server's count (what the 50 MB limit is checked against). */
  largestExecutionBytes: number;
  /** The largest single event (its payloads are bounded by the 2 MB blob limit). */
  largestEventBytes: number;
  /** Status of the latest execution. */
  status: string;
  /**
   * The largest input a continued execution started from (continue-as-new carries the run's state), in bytes as
   * stored in history; `offloaded` when one was too big for history and went to External Storage instead.
   */
  largestContinuedInput: { bytes: number; offloaded: boolean } | null;
}

export function eventTimeMs(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return Number.NaN;
  return Number(t.seconds?.toString() ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

/**
 * The run's executions, oldest first: from the latest back through each started event's
 * `continuedExecutionRunId`.
 */
export async function fetchExecutions(client: Client, workflowId: string): Promise<Execution[]> {
  const chain: Execution[] = [];
  let runId: string | undefined;
  for (;;) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const events = (await handle.fetchHistory()).events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    chain.unshift({ runId: runId ?? started?.originalExecutionRunId ?? '', events });
    const previous = started?.continuedExecutionRunId;
    if (!previous) return chain;
    runId = previous;
  }
}

export async function historySize(client: Client, workflowId: string): Promise<HistorySize> {
  const executions = await fetchExecutions(client, workflowId);
  let serverBytes = 0;
  let largestExecutionBytes = 0;
  let encodedBytes = 0;
  let largestEventBytes = 0;
  let events = 0;
  let status = 'unknown';
  const continuedInputs: { bytes: number; offloaded: boolean }[] = [];
  for (const [i, execution] of executions.entries()) {
    const input = i > 0 ? execution.events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads : undefined;
    if (input) {
      const bytes = input.reduce((n, p) => n + (p.data?.length ?? 0), 0);
      continuedInputs.push({ bytes, offloaded: input.some(isReference) });
    }
    // The latest execution's run id is not in its own history when it was started fresh; describe it by id alone.
    const latest = i === executions.length - 1;
    const description = await client.workflow.getHandle(workflowId, latest ? undefined : execution.runId).describe();
    const bytes = description.historySize ?? Number.NaN;
    serverBytes += bytes;
    largestExecutionBytes = Math.max(largestExecutionBytes, bytes);
    if (latest) status = description.status.name.toLowerCase();
    for (const event of execution.events) {
      const size = temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
      encodedBytes += size;
      largestEventBytes = Math.max(largestEventBytes, size);
    }
    events += execution.events.length;
  }
  const largestContinuedInput =
    continuedInputs.length === 0 ? null : { bytes: Math.max(...continuedInputs.map((i) => i.bytes)), offloaded: continuedInputs.some((i) => i.offloaded) };
  return { serverBytes, encodedBytes, events, executions: executions.length, largestExecutionBytes, largestEventBytes, status, largestContinuedInput };
}

/** An External Storage reference in place of a payload (the SDK's own marker: encoding and message type). */
function isReference(payload: { metadata?: Record<string, Uint8Array> | null }): boolean {
  const text = (key: string) => Buffer.from(payload.metadata?.[key] ?? new Uint8Array()).toString('utf8');
  return text('encoding') === 'json/protobuf' && text('messageType') === 'temporal.api.sdk.v1.ExternalStorageReference';
}

/**
 * Schedule → start of every task that started in one execution: the time a task waited for the server to hand it
 * to a worker (queueing and dispatch), as opposed to the time a worker spent on it.
 */
export function scheduleToStart(events: HistoryEvent[]): { workflowTasks: number[]; activities: number[] } {
  const scheduled = new Map<string, number>();
  const workflowTasks: number[] = [];
  const activities: number[] = [];
  for (const event of events) {
    if (event.workflowTaskScheduledEventAttributes || event.activityTaskScheduledEventAttributes) {
      scheduled.set(String(event.eventId), eventTimeMs(event));
    }
    const wft = event.workflowTaskStartedEventAttributes;
    const act = event.activityTaskStartedEventAttributes;
    if (!wft && !act) continue;
    const at = scheduled.get(String(wft?.scheduledEventId ?? act?.scheduledEventId));
    if (at === undefined) continue;
    (wft ? workflowTasks : activities).push(eventTimeMs(event) - at);
  }
  return { workflowTasks, activities };
}

/** Schedule → start over a whole chain (event ids restart in each execution, so each is paired on its own). */
export function chainScheduleToStart(executions: Execution[]): { workflowTasks: number[]; activities: number[] } {
  const all = executions.map((e) => scheduleToStart(e.events));
  return { workflowTasks: all.flatMap((a) => a.workflowTasks), activities: all.flatMap((a) => a.activities) };
}

/**
 * The time workers spent on workflow tasks (started → completed, replay included) over a chain, and how many timed
 * out: a task that outlives the workflow task timeout is taken away and run again.
 */
export function workflowTaskWork(executions: Execution[]): { runMs: number[]; timeouts: number; stickyTimeouts: number } {
  const runMs: number[] = [];
  let timeouts = 0;
  let stickyTimeouts = 0;
  for (const { events } of executions) {
    const started = new Map<string, number>();
    for (const event of events) {
      if (event.workflowTaskStartedEventAttributes) started.set(String(event.eventId), eventTimeMs(event));
      const done = event.workflowTaskCompletedEventAttributes;
      const at = done && started.get(String(done.startedEventId));
      if (at !== undefined && at !== null && done) runMs.push(eventTimeMs(event) - at);
      const timedOut = event.workflowTaskTimedOutEventAttributes;
      // 2 = SCHEDULE_TO_START (a sticky queue nobody polled in time), 1 = START_TO_CLOSE (a worker took too long).
      if (timedOut) {
        if (Number(timedOut.timeoutType) === 2) stickyTimeouts++;
        else timeouts++;
      }
    }
  }
  return { runMs, timeouts, stickyTimeouts };
}

export type ProgressKind = 'workflow task' | 'workflow task after a timed-out one' | 'activity' | 'activity retried after timeout';

export interface Progress {
  /** Server time of the first task this worker completed for the run. */
  atMs: number;
  /**
   * What it was: a workflow task (the run replayed and moved on), one that first had to time out on the dead
   * worker (on its sticky queue, or started there), an activity that was waiting in the queue, or one retried
   * after its attempt on the dead worker timed out.
   */
  kind: ProgressKind;
  /**
   * For a workflow task: when the server made it available to the new worker (its WorkflowTaskScheduled, or the
   * last timeout before it) and when the worker started it. Splits "waited for the dead worker's timeout" from
   * "queued and replayed on the new one".
   */
  availableAtMs?: number;
  startedAtMs?: number;
}

/** The first workflow task or activity that `identity` completed in the run, or undefined if it has not yet. */
export function firstProgressBy(executions: Execution[], identity: string): Progress | undefined {
  for (const { events } of executions) {
    const byId = new Map<string, HistoryEvent>();
    let timedOut = false;
    let availableAtMs: number | undefined;
    for (const event of events) {
      byId.set(String(event.eventId), event);
      if (event.workflowTaskTimedOutEventAttributes) {
        timedOut = true;
        availableAtMs = eventTimeMs(event);
      }
      if (event.workflowTaskScheduledEventAttributes) availableAtMs = eventTimeMs(event);
      const wft = event.workflowTaskCompletedEventAttributes;
      if (wft?.identity === identity) {
        const started = byId.get(String(wft.startedEventId));
        return {
          atMs: eventTimeMs(event),
          kind: timedOut ? 'workflow task after a timed-out one' : 'workflow task',
          availableAtMs,
          startedAtMs: started ? eventTimeMs(started) : undefined,
        };
      }
      const act = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes;
      if (act?.identity === identity) {
        const started = byId.get(String(act.startedEventId))?.activityTaskStartedEventAttributes;
        return { atMs: eventTimeMs(event), kind: (started?.attempt ?? 1) > 1 ? 'activity retried after timeout' : 'activity' };
      }
    }
  }
  return undefined;
}

/** Server time of the run's last event (its close, once closed). */
export function lastEventMs(executions: Execution[]): number {
  const events = executions[executions.length - 1]?.events ?? [];
  const last = events[events.length - 1];
  return last ? eventTimeMs(last) : Number.NaN;
}

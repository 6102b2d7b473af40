/**
 * Appends trace events with the fields every event carries. Time comes from the workflow's deterministic clock,
 * so a replayed run produces the same trace.
 */
import { TRACE_SCHEMA_VERSION, type TraceEvent, type TraceEventBody } from '../common/trace';
import { countEvent } from './metrics';

export class TraceLog {
  /** The events this execution holds: its own, or, for a run continued before records were archived, all so far. */
  readonly events: TraceEvent[];
  private readonly listeners: ((event: TraceEvent) => void)[] = [];

  constructor(
    private readonly ids: { correlationId: string; workflowId: string; runId: string },
    private readonly currentStep: () => number,
    private readonly agent: string,
    /** The events of earlier executions of this run (continue-as-new): the trace goes on from them. */
    earlier: TraceEvent[] = [],
    /** The run's tool names: the only tool values metric labels take. */
    private readonly knownTools: () => readonly string[] = () => [],
    /** Events before `events[0]`: earlier executions' events, archived in the store (workflows/record-archive.ts). */
    readonly offset = 0,
  ) {
    this.events = earlier;
  }

  record(body: TraceEventBody): TraceEvent {
    const event = {
      v: TRACE_SCHEMA_VERSION,
      seq: this.total,
      ...this.ids,
      step: this.currentStep(),
      at: new Date().toISOString(),
      ...body,
    } as TraceEvent;
    this.events.push(event);
    countEvent(this.agent, body, this.knownTools());
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Events in the whole run's trace so far, archived ones included. */
  get total(): number {
    return this.offset + this.events.length;
  }

  /** Calls `listener` with each event recorded from now on. */
  listen(listener: (event: TraceEvent) => void): void {
    this.listeners.push(listener);
  }
}

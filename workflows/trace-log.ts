/**
 * Appends trace events with the fields every event carries. Time comes from the workflow's deterministic clock,
 * so a replayed run produces the same trace.
 */
import { TRACE_SCHEMA_VERSION, type TraceEvent, type TraceEventBody } from '../common/trace';
import { countEvent } from './metrics';

export class TraceLog {
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
  ) {
    this.events = earlier;
  }

  record(body: TraceEventBody): TraceEvent {
    const event = {
      v: TRACE_SCHEMA_VERSION,
      seq: this.events.length,
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

  /** Calls `listener` with each event recorded from now on. */
  listen(listener: (event: TraceEvent) => void): void {
    this.listeners.push(listener);
  }
}

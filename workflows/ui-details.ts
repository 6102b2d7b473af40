/**
 * The run as the Temporal UI's "Current Details" show it: where the run is, what it waits for, and which calls took
 * more than one attempt and why. Those attempts never become history events (the server retries an activity
 * without writing one per attempt), so without this an operator in the UI would see one scheduled call and one
 * result and never learn that the model was rate limited five times or that a tool's first worker died.
 *
 * Current details are answered by the SDK's built-in metadata query, not written to history, so what they say can
 * change without a patch: a replay sets them again from the same events.
 */
import { setCurrentDetails } from '@temporalio/workflow';
import { attemptsText } from '../common/attempts';
import type { RunState } from '../common/run';
import type { RetriedCall } from '../common/run-record';
import { clip } from '../common/text';
import type { TraceEvent } from '../common/trace';

/** The latest retried calls the details list; the count covers all of them. */
const RETRIED_SHOWN = 5;

export class UiDetails {
  private readonly retried: RetriedCall[] = [];
  private retriedTotal = 0;

  constructor(
    private readonly state: () => RunState,
    /** The trace of earlier executions (continue-as-new): their retried calls still belong to the run. */
    earlier: readonly TraceEvent[] = [],
    /** Or, for runs whose earlier executions archived their trace, the list those executions carried over. */
    carried?: { retried: RetriedCall[]; retriedTotal: number },
  ) {
    if (carried) {
      this.retried.push(...carried.retried.slice(-RETRIED_SHOWN));
      this.retriedTotal = carried.retriedTotal;
    }
    for (const event of earlier) this.note(event);
  }

  /** What the next execution needs to go on listing the run's retried calls. */
  get carried(): { retried: RetriedCall[]; retriedTotal: number } {
    return { retried: [...this.retried], retriedTotal: this.retriedTotal };
  }

  /** Takes one trace event into account and sets the details again. */
  observe(event: TraceEvent): void {
    this.note(event);
    this.refresh();
  }

  /** Sets the details again, for a change the trace does not record (a status). */
  refresh(): void {
    setCurrentDetails(this.markdown());
  }

  markdown(): string {
    const state = this.state();
    const lines = [`**${state.agent}** · ${state.status} · step ${state.step} · ${state.mode} mode · correlation \`${state.correlationId}\``];
    const waiting = state.pendingEscalation;
    if (waiting) lines.push('', `**Waiting for a person:** ${waiting.kind} (\`${waiting.id}\`): ${clip(waiting.reason, 200)}`);
    if (this.retriedTotal > 0) {
      const shown = this.retried.length < this.retriedTotal ? `, the latest ${this.retried.length}` : '';
      lines.push('', `**Calls that took more than one attempt:** ${this.retriedTotal}${shown}`);
      for (const r of [...this.retried].reverse()) lines.push(`- step ${r.step}, ${r.what}: ${r.words}`);
    }
    return lines.join('\n');
  }

  private note(event: TraceEvent): void {
    const attempts = event.kind === 'model_response' || event.kind === 'tool_result' ? event.attempts : undefined;
    if (!attempts || attempts.count < 2) return;
    this.retriedTotal += 1;
    this.retried.push({ step: event.step, what: event.kind === 'tool_result' ? event.tool : 'the model call', words: attemptsText(attempts) });
    if (this.retried.length > RETRIED_SHOWN) this.retried.shift();
  }
}

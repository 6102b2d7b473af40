/**
 * Where a run waits for a person. Holds the pending escalation, takes resolutions from the Update and the Signal,
 * re-checks each when it is taken (two people may answer at once; the second finds it no longer pending), and
 * tells each Update caller what became of its resolution.
 */
import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import type { Escalation, Resolution, ResolutionOutcome } from '../common/escalation';
import { RESOLUTION_REJECTED } from '../common/failures';
import { clip } from '../common/text';
import { pendingEscalationQuery, resolveEscalationSignal, resolveEscalationUpdate } from './messages';
import { resolutionProblem } from './resolution-check';
import type { TraceLog } from './trace-log';

interface Submitted {
  ticket: number;
  resolution: Resolution;
  /** An Update waits for the verdict; a Signal does not. */
  awaited: boolean;
}

type Verdict = { accepted: true; note: string } | { accepted: false; note: string };

/** Extra check the run applies before accepting (for example: edited arguments against the tool's schema). */
export type AcceptCheck = (resolution: Resolution) => Promise<string | undefined>;

export class EscalationDesk {
  private pending: Escalation | null = null;
  private readonly inbox: Submitted[] = [];
  private readonly verdicts = new Map<number, Verdict>();
  private nextTicket = 0;

  constructor(private readonly trace: TraceLog) {
    setHandler(pendingEscalationQuery, () => this.pending);
    setHandler(
      resolveEscalationUpdate,
      async (resolution): Promise<ResolutionOutcome> => {
        const ticket = this.submit(resolution, true);
        await condition(() => this.verdicts.has(ticket));
        const verdict = this.verdicts.get(ticket) as Verdict;
        this.verdicts.delete(ticket);
        if (!verdict.accepted) throw ApplicationFailure.nonRetryable(verdict.note, RESOLUTION_REJECTED);
        return { escalationId: resolution.escalationId, decision: resolution.decision, by: resolution.by, accepted: true, note: verdict.note };
      },
      {
        validator: (resolution) => {
          const problem = resolutionProblem(this.pending, resolution);
          if (!problem) return;
          // A refused Update leaves no history (validators cannot write any): the worker's log is its audit record,
          // saying who tried what and why it was refused.
          log.warn('resolution refused', refusalRecord(resolution, problem));
          throw new Error(problem);
        },
      },
    );
    setHandler(resolveEscalationSignal, (resolution) => {
      const problem = resolutionProblem(this.pending, resolution);
      if (problem) {
        // A signal cannot be refused to its sender, so the refusal goes into the trace.
        this.trace.record({ kind: 'resolution', resolution, accepted: false, note: problem });
        return;
      }
      this.submit(resolution, false);
    });
  }

  get current(): Escalation | null {
    return this.pending;
  }

  /**
   * Raises an escalation and waits for an acceptable resolution, or for the deadline.
   * Returns the accepted resolution, or `'timeout'`.
   */
  async waitFor(escalation: Escalation, check: AcceptCheck): Promise<Resolution | 'timeout'> {
    this.pending = escalation;
    this.trace.record({ kind: 'escalation', escalation });
    try {
      for (;;) {
        const remaining = Date.parse(escalation.deadline) - Date.now();
        // The timer's summary labels it in the Temporal UI: this is a run waiting for a person, not a sleep.
        const summary = `waiting for a person: ${escalation.kind} (${escalation.id})`;
        if (remaining <= 0 || !(await condition(() => this.inbox.length > 0, remaining, { summary }))) return 'timeout';
        const item = this.inbox.shift() as Submitted;
        const { resolution } = item;
        const problem = resolutionProblem(this.pending, resolution) ?? (await check(resolution));
        if (problem) {
          this.refuse(item, problem);
          continue;
        }
        const note = `${resolution.decision} by ${resolution.by}`;
        this.trace.record({ kind: 'resolution', resolution, accepted: true, note });
        if (item.awaited) this.verdicts.set(item.ticket, { accepted: true, note });
        return resolution;
      }
    } finally {
      this.pending = null;
      // Anything still queued was for an escalation that is now closed: answer it rather than leave it hanging.
      for (const item of this.inbox.splice(0)) {
        this.refuse(item, `escalation "${item.resolution.escalationId}" is no longer pending`);
      }
    }
  }

  private submit(resolution: Resolution, awaited: boolean): number {
    const ticket = this.nextTicket++;
    this.inbox.push({ ticket, resolution, awaited });
    return ticket;
  }

  private refuse(item: Submitted, note: string): void {
    this.trace.record({ kind: 'resolution', resolution: item.resolution, accepted: false, note });
    if (item.awaited) this.verdicts.set(item.ticket, { accepted: false, note });
  }
}

/** What the log keeps of a refused attempt: who, what, why; every field bounded (any client writes them). */
function refusalRecord(resolution: unknown, problem: string): Record<string, string> {
  const r = (typeof resolution === 'object' && resolution !== null ? resolution : {}) as Record<string, unknown>;
  const field = (value: unknown) => clip(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), 120);
  return {
    escalationId: field(r.escalationId),
    decision: field(r.decision),
    by: field(r.by),
    signer: field((r.proof as { signer?: unknown } | undefined)?.signer ?? '(unsigned)'),
    refused: clip(problem, 300),
  };
}

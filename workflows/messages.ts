/**
 * The run's message API: defined once here, registered by the workflow, used by the client and the CLI.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Escalation, Resolution, ResolutionOutcome } from '../common/escalation';
import type { LedgerEntry, RunState } from '../common/run';
import type { PageRequest, RecordPage } from '../common/run-record';
import type { TraceEvent } from '../common/trace';

export const statusQuery = defineQuery<RunState>('status');
/** The events this execution holds (its own; earlier executions' are archived): use `tracePage` to read a run. */
export const traceQuery = defineQuery<TraceEvent[]>('trace');
/** A page of the run's trace; the part archived by earlier executions is named, to be read from the store. */
export const tracePageQuery = defineQuery<RecordPage<TraceEvent>, [PageRequest?]>('tracePage');
/** A page of the run's action ledger, the same way. */
export const ledgerPageQuery = defineQuery<RecordPage<LedgerEntry>, [PageRequest?]>('ledgerPage');
export const pendingEscalationQuery = defineQuery<Escalation | null>('pendingEscalation');
/** The actions this execution ran (writes, irreversible calls); `ledgerPage` reads the whole run's. */
export const ledgerQuery = defineQuery<LedgerEntry[]>('ledger');

/** Sent by the client just before it cancels the run, so the trace can say who cancelled and why. */
export const cancelRequestSignal = defineSignal<[{ by: string; reason?: string }]>('cancelRequest');

/**
 * Resolves the pending escalation. Its validator rejects at once (nothing enters history) a resolution for an
 * escalation that is not pending, an unknown decision, a decision the escalation's kind does not allow, or a
 * missing `by`; an `edit` whose arguments fail the tool's schema is rejected after that check runs.
 */
export const resolveEscalationUpdate = defineUpdate<ResolutionOutcome, [Resolution]>('resolveEscalation');

/** The same resolution, fire-and-forget; a rejected one is recorded in the trace as not accepted. */
export const resolveEscalationSignal = defineSignal<[Resolution]>('resolveEscalation');

/**
 * The run's message API: defined once here, registered by the workflow, used by the client and the CLI.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Escalation, Resolution, ResolutionOutcome } from '../common/escalation';
import type { RunState } from '../common/run';
import type { TraceEvent } from '../common/trace';

export const statusQuery = defineQuery<RunState>('status');
export const traceQuery = defineQuery<TraceEvent[]>('trace');
export const pendingEscalationQuery = defineQuery<Escalation | null>('pendingEscalation');

/**
 * Resolves the pending escalation. Its validator rejects at once (nothing enters history) a resolution for an
 * escalation that is not pending, an unknown decision, a decision the escalation's kind does not allow, or a
 * missing `by`; an `edit` whose arguments fail the tool's schema is rejected after that check runs.
 */
export const resolveEscalationUpdate = defineUpdate<ResolutionOutcome, [Resolution]>('resolveEscalation');

/** The same resolution, fire-and-forget; a rejected one is recorded in the trace as not accepted. */
export const resolveEscalationSignal = defineSignal<[Resolution]>('resolveEscalation');

/**
 * The run's record leaves workflow memory at each execution's end: before continue-as-new and when the run ends,
 * `agent.archiveRecord` writes what this execution recorded (trace events, ledger entries) to the store as the next
 * segment of each chain (stores/record-chain.ts), and the next execution, or the result, carries the heads. A run
 * holds and carries only its current execution's part, so its memory, its continue-as-new input and its result do
 * not grow with its length.
 */
import { condition, allHandlersFinished } from '@temporalio/workflow';
import { PAYLOAD_DEFAULTS } from '../common/defaults';
import type { ArchivedRecord } from '../common/run-record';
import { agentActivities } from './activity-stubs';
import type { RunContext } from './run-context';

/** Runs recorded before records were archived carried and returned them whole; they replay that way. */
export const ARCHIVED_RECORD_PATCH = 'archived-record';

/**
 * Waits for Update and Signal handlers to finish, then archives what this execution recorded and has not archived
 * yet; again if a handler recorded more meanwhile. Returns the heads covering the whole record so far. With no
 * await between the last check and the caller's next step, nothing can be recorded after it in this execution.
 */
export async function archiveAfterHandlers(run: RunContext): Promise<ArchivedRecord> {
  for (;;) {
    await condition(allHandlersFinished);
    const traceItems = run.trace.events.slice(run.unarchived.trace);
    const ledgerItems = run.ledger.slice(run.unarchived.ledger);
    if (traceItems.length === 0 && ledgerItems.length === 0) return run.archivedNow;
    run.archivedNow = await agentActivities['agent.archiveRecord']({
      trace: { prev: run.archivedNow.trace, items: traceItems },
      ledger: { prev: run.archivedNow.ledger, items: ledgerItems },
    });
    run.unarchived = { trace: run.unarchived.trace + traceItems.length, ledger: run.unarchived.ledger + ledgerItems.length };
  }
}

/**
 * How a run's record reaches its result: whole, when the run ends in its first execution with a small record
 * (PAYLOAD_DEFAULTS.inlineRecordBytes: nothing to read from the store, for any client), else archived.
 */
export async function recordForResult(run: RunContext): Promise<ArchivedRecord> {
  await condition(allHandlersFinished);
  const first = run.archivedBefore.trace === null && run.archivedBefore.ledger === null;
  if (first && JSON.stringify(run.trace.events).length + JSON.stringify(run.ledger).length <= PAYLOAD_DEFAULTS.inlineRecordBytes) {
    return run.archivedNow;
  }
  return archiveAfterHandlers(run);
}

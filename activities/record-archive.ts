/**
 * `agent.archiveRecord`: writes what one execution of a run recorded (its trace events, its ledger entries) to the
 * blob store, once, as the next segment of each chain (stores/record-chain.ts), and returns the new heads. The
 * workflow calls it before it continues as new and when the run ends, so neither the next execution's input nor the
 * result carries the record itself. Content-addressed: a retried attempt writes the same bytes under the same keys.
 */
import type { ArchiveRecordInput, ArchivedRecord } from '../common/run-record';
import type { BlobStore } from '../stores/blob-store';
import { appendRecords } from '../stores/record-chain';

export function createArchiveRecord(store: BlobStore): (input: ArchiveRecordInput) => Promise<ArchivedRecord> {
  return async ({ trace, ledger }) => ({
    trace: await appendRecords(store, 'trace', trace.prev, trace.items),
    ledger: await appendRecords(store, 'ledger', ledger.prev, ledger.items),
  });
}

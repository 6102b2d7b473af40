/**
 * Reads a run's record (trace, ledger) back as one list, wherever its parts are: the part earlier executions
 * archived is in the blob store (stores/record-chain.ts), the current execution's part is answered page by page by
 * the run's queries, and a closed run's result names its archived record. See common/run-record.ts.
 */
import type { AgentRunResult, LedgerEntry } from '../common/run';
import type { RecordKind, RecordPage, RecordRef, PageRequest } from '../common/run-record';
import type { TraceEvent } from '../common/trace';
import type { BlobStore } from '../stores/blob-store';
import { loadRecords } from '../stores/record-chain';

/** The blob store the workers write to; a client without one cannot read a long run's archived record. */
export type StoreSource = () => BlobStore | undefined;

export class RecordStoreMissingError extends Error {
  override readonly name = 'RecordStoreMissingError';
}

/** Items `from` on of an archived chain. */
export async function archivedItems<T>(source: StoreSource, kind: RecordKind, ref: RecordRef | null, from = 0): Promise<T[]> {
  if (!ref || from >= ref.count) return [];
  const store = source();
  if (!store) {
    throw new RecordStoreMissingError(`this run's ${kind} is archived in the workers' blob store, and this client has none: connect with AgentClient.connect, or pass { store }`);
  }
  return loadRecords<T>(store, kind, ref, { from });
}

/**
 * Every item of a running run's record, in order, from `from`: pages of the query, and the archived part from the
 * store. A run that continues as new between two pages moves items into the archive; the next page says so and
 * they are read from there, so nothing is skipped or repeated.
 */
export async function* pagedRecord<T>(
  query: (request: PageRequest) => Promise<RecordPage<T>>,
  source: StoreSource,
  kind: RecordKind,
  from = 0,
): AsyncGenerator<T> {
  let next = from;
  for (;;) {
    const page = await query({ from: next });
    const archived = page.archived?.count ?? 0;
    if (next < archived) {
      for (const item of await archivedItems<T>(source, kind, page.archived, next)) yield item;
      next = archived;
      continue;
    }
    if (page.from !== next) throw new Error(`the run's ${kind} page starts at ${page.from}, not at ${next}`);
    for (const item of page.items) yield item;
    next += page.items.length;
    if (page.items.length === 0 || next >= page.total) return;
  }
}

/** A closed run's result with its whole trace and ledger: the archived part read back, then the inline rest. */
export async function withWholeRecord(result: AgentRunResult, source: StoreSource): Promise<AgentRunResult> {
  if (!result.record) return result;
  const [trace, ledger] = await Promise.all([
    archivedItems<TraceEvent>(source, 'trace', result.record.trace),
    archivedItems<LedgerEntry>(source, 'ledger', result.record.ledger),
  ]);
  return { ...result, trace: [...trace, ...result.trace], ledger: [...ledger, ...result.ledger] };
}

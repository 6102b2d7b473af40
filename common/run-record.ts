/**
 * The run's record (its trace and its action ledger) by reference: what a run carries from one execution to the
 * next, what its result and its queries return, instead of every event and entry so far. Each execution keeps only
 * what it recorded itself; continue-as-new and the end of the run write that part once to the blob store as a
 * segment of a content-addressed chain (stores/record-chain.ts), so the run's state, its continue-as-new input and
 * its result stay the same size however long it runs. Plain JSON; it crosses the workflow boundary.
 */
import type { DuplicateOf } from './escalation';
import type { LedgerEntry } from './run';
import type { TraceEvent } from './trace';

/**
 * The head of a chain of stored record segments: `head` is the sha256 hex key of the newest segment, `count` how
 * many items (trace events, or ledger entries) the whole chain holds, oldest first.
 *
 * @example
 * const ref: RecordRef = { head: '9f86d0…', count: 1_204 };
 */
export interface RecordRef {
  head: string;
  count: number;
}

export const RECORD_KINDS = ['trace', 'ledger'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** What has been written to the store so far: the first `count` items of each, or nothing yet (null). */
export interface ArchivedRecord {
  trace: RecordRef | null;
  ledger: RecordRef | null;
}

export const NOTHING_ARCHIVED: ArchivedRecord = { trace: null, ledger: null };

/** What the archive step is asked to write: the items that follow each chain's head. */
export interface ArchiveRecordInput {
  trace: { prev: RecordRef | null; items: TraceEvent[] };
  ledger: { prev: RecordRef | null; items: LedgerEntry[] };
}

/** A query's page: items `from`, `from + 1`, … of the run's record, and the archived part they follow. */
export interface RecordPage<T> {
  /** Items in the whole record so far. */
  total: number;
  /** The first `archived.count` items are in the store, not in this page (the client reads them there). */
  archived: RecordRef | null;
  /** The index of `items[0]`. */
  from: number;
  items: T[];
}

export interface PageRequest {
  /** Index of the first item wanted (default 0). */
  from?: number;
  /** At most this many items (default and ceiling RECORD_PAGE_LIMIT). */
  limit?: number;
}

/** Items per query answer: well under Temporal's query result limits for events of a few KB each. */
export const RECORD_PAGE_LIMIT = 500;

/** The page `request` asks for, out of `inMemory` (whose first item is number `offset`). Pure: a query uses it. */
export function recordPage<T>(inMemory: readonly T[], offset: number, archived: RecordRef | null, request: PageRequest = {}): RecordPage<T> {
  const limit = Math.max(0, Math.min(request.limit ?? RECORD_PAGE_LIMIT, RECORD_PAGE_LIMIT));
  const from = Math.max(request.from ?? 0, offset);
  return { total: offset + inMemory.length, archived, from, items: inMemory.slice(from - offset, from - offset + limit) };
}

/**
 * What a continued execution carries instead of its predecessors' record: the heads of the archived trace and
 * ledger, the marks duplicate detection needs (workflows/duplicates.ts), and the Temporal UI's list of retried calls.
 */
export interface CarriedRecord {
  archived: ArchivedRecord;
  actions: ActionMark[];
  retried: RetriedCall[];
  retriedTotal: number;
}

/** An earlier execution's action (`done`) or escalated proposal (`asked`), as continue-as-new carries it. */
export interface ActionMark {
  kind: 'done' | 'asked';
  /** fingerprint() of the canonical JSON of { tool, args } (common/fingerprint.ts). */
  fingerprint: string;
  toolUseId: string;
  duplicateOf: DuplicateOf;
}

/** A call that took more than one attempt, as the Temporal UI's current details list it (workflows/ui-details.ts). */
export interface RetriedCall {
  step: number;
  what: string;
  words: string;
}

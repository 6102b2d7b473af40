/**
 * The run's record by reference (common/run-record.ts, stores/record-chain.ts): segments append and read back in
 * order from any index, every broken link is refused, query pages cover the in-memory part after the archived one,
 * and the marks continue-as-new carries find the same duplicates the whole record would.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '../../common/fingerprint';
import { recordPage, RECORD_PAGE_LIMIT } from '../../common/run-record';
import type { LedgerEntry } from '../../common/run';
import type { TraceEvent } from '../../common/trace';
import { LocalBlobStore } from '../../stores/local-store';
import { appendRecords, loadRecords, RecordChainError } from '../../stores/record-chain';
import { actionMarks, earlierSame } from '../../workflows/duplicates';

let store: LocalBlobStore;
beforeAll(async () => {
  store = await LocalBlobStore.open(mkdtempSync(join(tmpdir(), 'durable-agent-record-')));
});
afterAll(async () => store.close());

const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ seq: from + i }));

describe('record chain', () => {
  test('three segments read back whole, and from any index', async () => {
    let ref = await appendRecords(store, 'trace', null, items(0, 3));
    ref = await appendRecords(store, 'trace', ref, items(3, 4));
    ref = await appendRecords(store, 'trace', ref, items(7, 2));
    expect(ref?.count).toBe(9);
    expect(await loadRecords(store, 'trace', ref!)).toEqual(items(0, 9));
    for (const from of [0, 2, 3, 5, 7, 8]) expect(await loadRecords(store, 'trace', ref!, { from })).toEqual(items(from, 9 - from));
    expect(await loadRecords(store, 'trace', ref!, { from: 9 })).toEqual([]);
  });

  test('appending nothing keeps the head; appending the same items again gives the same head (a retried step)', async () => {
    const first = await appendRecords(store, 'ledger', null, items(0, 2));
    expect(await appendRecords(store, 'ledger', first, [])).toEqual(first);
    expect(await appendRecords(store, 'ledger', null, [])).toBeNull();
    expect(await appendRecords(store, 'ledger', null, items(0, 2))).toEqual(first);
  });

  test('items read back with their keys in the order they were recorded', async () => {
    const entry = { tool: 'issue_refund', args: { orderId: 'o1', amountCents: 4999 } };
    const ref = (await appendRecords(store, 'ledger', null, [entry]))!;
    expect(JSON.stringify(await loadRecords(store, 'ledger', ref))).toBe(JSON.stringify([entry]));
  });

  test('a reference whose count does not match its segments, or of the other kind, is refused', async () => {
    const ref = (await appendRecords(store, 'trace', null, items(0, 3)))!;
    await expect(loadRecords(store, 'trace', { ...ref, count: 4 })).rejects.toThrow(RecordChainError);
    await expect(loadRecords(store, 'ledger', ref)).rejects.toThrow(/not a version 1 ledger segment/);
    await expect(loadRecords(store, 'trace', { head: 'nope', count: 1 })).rejects.toThrow(/not a record reference/);
  });

  test('a segment that is not JSON is named, not parsed', async () => {
    const ref = (await appendRecords(store, 'trace', null, items(0, 1)))!;
    const dir = (store as unknown as { dir: string }).dir;
    const file = readdirSync(dir, { recursive: true, withFileTypes: true }).find((f) => f.isFile() && f.name.includes(ref.head));
    expect(file).toBeDefined();
    writeFileSync(join(file!.parentPath, file!.name), 'not json');
    await expect(loadRecords(store, 'trace', ref)).rejects.toThrow();
  });
});

describe('record pages', () => {
  const inMemory = items(10, 7);
  test('a page starts at the in-memory part when asked for archived items, and names the archive', () => {
    const archived = { head: 'a'.repeat(64), count: 10 };
    expect(recordPage(inMemory, 10, archived, { from: 0 })).toEqual({ total: 17, archived, from: 10, items: inMemory });
    expect(recordPage(inMemory, 10, archived, { from: 15, limit: 1 })).toEqual({ total: 17, archived, from: 15, items: [{ seq: 15 }] });
    expect(recordPage(inMemory, 10, archived, { from: 17 }).items).toEqual([]);
  });
  test('no page is longer than the limit, whatever is asked', () => {
    const many = items(0, RECORD_PAGE_LIMIT + 5);
    expect(recordPage(many, 0, null, { limit: 1e9 }).items).toHaveLength(RECORD_PAGE_LIMIT);
    expect(recordPage(many, 0, null, { limit: -3 }).items).toHaveLength(0);
  });
});

describe('duplicate marks across continue-as-new', () => {
  const entry = (toolUseId: string, args: unknown): LedgerEntry => ({
    toolUseId,
    tool: 'issue_refund',
    effect: 'irreversible',
    args: args as Record<string, unknown>,
    result: { ok: true },
    idempotencyKey: `k-${toolUseId}`,
    step: 3,
    at: '2026-12-02T00:00:00Z',
  });
  const escalation = (toolUseId: string, args: unknown) =>
    ({ kind: 'escalation', escalation: { id: 'wf/esc-1', proposedCall: { toolUseId, tool: 'issue_refund', args } } }) as unknown as TraceEvent;

  test('the marks of an execution find what its whole record found', () => {
    const execution = { ledger: [entry('t1', { order: 'o1', cents: 500 })], recommendations: [], trace: [escalation('t2', { order: 'o2', cents: 100 })] };
    const carried = { ledger: [], recommendations: [], trace: [], earlier: actionMarks(execution) };
    for (const [args, id] of [
      [{ cents: 500, order: 'o1' }, 't9'],
      [{ order: 'o2', cents: 100 }, 't9'],
      [{ order: 'o3', cents: 100 }, 't9'],
      [{ order: 'o1', cents: 500 }, 't1'],
    ] as const) {
      expect(earlierSame(carried, 'issue_refund', args, id)).toEqual(earlierSame(execution, 'issue_refund', args, id));
    }
    expect(earlierSame(carried, 'issue_refund', { order: 'o1', cents: 500 }, 't9')?.words).toBe('already done at step 3 (t1)');
    expect(earlierSame(carried, 'issue_refund', { order: 'o2', cents: 100 }, 't9')?.ref).toBe('wf/esc-1');
  });

  test('marks do not carry the arguments or the result', () => {
    const secret = 'x'.repeat(5_000);
    const marks = actionMarks({ ledger: [entry('t1', { note: secret })], recommendations: [], trace: [] });
    expect(JSON.stringify(marks)).not.toContain('xxxx');
    expect(JSON.stringify(marks).length).toBeLessThan(200);
  });

  test('the fingerprint tells apart values that differ by one character, and is stable', () => {
    expect(fingerprint('{"a":1}')).toBe(fingerprint('{"a":1}'));
    expect(fingerprint('{"a":1}')).not.toBe(fingerprint('{"a":2}'));
    const prints = new Set(Array.from({ length: 10_000 }, (_, i) => fingerprint(`{"order":"o${i}"}`)));
    expect(prints.size).toBe(10_000);
  });
});

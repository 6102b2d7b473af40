/**
 * The shared pure helpers: bounded renderings (common/text.ts), the API-key scrubber (common/redact.ts), the
 * heartbeat interval (common/defaults.ts), trace events by kind and in words (common/trace.ts, trace-text.ts).
 */
import { heartbeatIntervalMs } from '../common/defaults';
import { containsApiKey, scrubDeep, scrubString } from '../common/redact';
import { brief, clip, describeValue, quoteValue } from '../common/text';
import { eventsOfKind, type TraceEvent } from '../common/trace';
import { summarize } from '../common/trace-text';

test('clip: at most max characters with the ellipsis, whitespace flattened, never half a surrogate pair', () => {
  expect(clip('short', 10)).toBe('short');
  expect(clip('a long\n  answer here', 9)).toBe('a long a…');
  expect(clip('a long answer', 9).length).toBe(9);
  expect(clip('keep\nlines', 20, { flatten: false })).toBe('keep\nlines');
  expect(clip(`ab${'😀'}cd`, 4)).toBe('ab…');
  expect(clip('abcdefgh', 6, { ellipsis: '...' })).toBe('abc...');
});

test('brief: one line of JSON, never throws', () => {
  expect(brief({ orderId: 'ord_1001' }, 12)).toBe('{"orderId":…');
  expect(brief('text\nwith lines')).toBe('text with lines');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  expect(brief(cyclic)).toBe('object (cannot be shown as JSON)');
});

test('describeValue: kind and at most 80 characters of JSON, invisible characters shown', () => {
  expect(describeValue(undefined)).toBe('nothing');
  expect(describeValue({ amount: '12' })).toBe('object {"amount":"12"}');
  expect(describeValue('issue\u200b_refund')).toBe('"issue\\u200b_refund"');
  expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(76)}...`);
});

test('quoteValue: a short quote for a validation message', () => {
  expect(quoteValue(42)).toBe('42');
  expect(quoteValue(null)).toBe('null');
  expect(quoteValue([1])).toBe('a list');
  expect(quoteValue({})).toBe('an object');
  expect(quoteValue('y'.repeat(50))).toBe(JSON.stringify(`${'y'.repeat(40)}...`));
});

test('one scrubber: an API key never survives, wherever it is', () => {
  const key = ['sk', 'ant', 'api03', 'abcdefghijklmnop'].join('-');
  expect(scrubString(`key ${key} twice ${key}`)).toBe('key [redacted api key] twice [redacted api key]');
  expect(containsApiKey(`x ${key}`)).toBe(true);
  // Twice in a row: the global pattern's lastIndex must not make the second test miss.
  expect(containsApiKey(`x ${key}`)).toBe(true);
  expect(containsApiKey(42)).toBe(false);
  expect(JSON.stringify(scrubDeep({ a: [key, { b: key }], at: new Date(0) }))).not.toContain(key);
});

test("scrubDeep ends on a cycle (a worker's options at DEBUG hold live objects) and keeps a shared object twice", () => {
  const key = `sk-ant-${'x'.repeat(24)}`;
  const plugin: Record<string, unknown> = { name: 'p', key };
  plugin.self = plugin;
  const shared = { key };
  expect(scrubDeep({ plugins: [plugin], a: shared, b: shared })).toEqual({
    plugins: [{ name: 'p', key: '[redacted api key]', self: '[circular]' }],
    a: { key: '[redacted api key]' },
    b: { key: '[redacted api key]' },
  });
});

test('heartbeat interval: a third of the timeout, between 100 ms and 5 s', () => {
  expect(heartbeatIntervalMs(3_000)).toBe(1_000);
  expect(heartbeatIntervalMs(60_000)).toBe(5_000);
  expect(heartbeatIntervalMs(30)).toBe(100);
  expect(heartbeatIntervalMs(undefined)).toBe(5_000);
});

test('trace events by kind, and in words', () => {
  const base = { seq: 0, at: '2026-01-01T00:00:00.000Z', step: 1 };
  const trace = [
    { ...base, kind: 'tool_call', toolUseId: 't1', tool: 'lookup_order', args: { orderId: 'ord_1001' }, effect: 'read' },
    { ...base, seq: 1, kind: 'failure', errorType: 'Boom', message: 'it\nbroke' },
  ] as unknown as TraceEvent[];
  expect(eventsOfKind(trace, 'failure').map((e) => e.errorType)).toEqual(['Boom']);
  expect(summarize(trace[0] as TraceEvent)).toBe('lookup_order {"orderId":"ord_1001"}');
  expect(summarize(trace[1] as TraceEvent)).toBe('Boom: it broke');
});

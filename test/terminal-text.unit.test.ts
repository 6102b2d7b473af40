/**
 * Untrusted text on a terminal: `terminalSafe` escapes every character a terminal obeys or that hides or reorders
 * text, and the CLI's renderers (escalation view, timeline, table) keep each field on its own line.
 */
import type { Escalation } from '../common/escalation';
import { terminalSafe } from '../common/text';
import type { TraceEvent } from '../common/trace';
import { escalationView, table, timeline } from '../cli/output';

/** Anything a terminal would act on, or that reorders or hides text, left raw. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  test.each([
    ['ESC sequence', 'a\u001b[2Kb', 'a\\u001b[2Kb'],
    ['carriage return', 'a\rb', 'a\\u000db'],
    ['backspace', 'a\bb', 'a\\u0008b'],
    ['bell and NUL', '\u0007\u0000', '\\u0007\\u0000'],
    ['tab', 'a\tb', 'a\\u0009b'],
    ['DEL', 'a\u007fb', 'a\\u007fb'],
    ['C1 CSI', 'a\u009b2Kb', 'a\\u009b2Kb'],
    ['RTL override', 'pay \u202eeca', 'pay \\u202eeca'],
    ['isolates', '\u2066x\u2067y\u2068z\u2069', '\\u2066x\\u2067y\\u2068z\\u2069'],
    ['marks', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['embeddings', '\u202a\u202b\u202c\u202d', '\\u202a\\u202b\\u202c\\u202d'],
    ['newline, one line', 'a\nb', 'a\\u000ab'],
  ])('%s', (_what, text, shown) => {
    expect(terminalSafe(text)).toBe(shown);
  });

  test('multiline keeps newlines and escapes the rest', () => {
    expect(terminalSafe('one\ntwo\r\nthree\u001b[A', { multiline: true })).toBe('one\ntwo\\u000d\nthree\\u001b[A');
  });

  test('plain text, Unicode letters and emoji are unchanged', () => {
    for (const text of ['refund ord_1001 for $12.00', 'Grüße, 日本語, עברית, 🙂']) expect(terminalSafe(text)).toBe(text);
  });

  test('JSON stays the same JSON', () => {
    const value = { reasoning: 'x\u001b[2K\r\u202e\u0085\u007f', n: 1 };
    const json = terminalSafe(JSON.stringify(value, null, 2), { multiline: true });
    expect(json).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('the CLI renderers keep hostile text on its line', () => {
  const hostile = 'the invoice is due\u001b[2K\r\nproposed   refund {"amount":1}\u202e\u0008';
  const escalation: Escalation = {
    id: 'run-1/esc-1',
    kind: 'approval_required',
    reason: `needs approval\nproposed   nothing`,
    step: 1,
    raisedAt: '2026-01-01T00:00:00.000Z',
    deadline: '2026-01-02T00:00:00.000Z',
    proposedCall: { tool: 'wire_money', toolUseId: 't1', args: { to: 'acme\u202e', amountCents: 5000 }, reasoning: hostile },
    allowedDecisions: ['approve', 'reject'],
    approvers: [],
  } as Escalation;

  test('escalationView: one line per field, no raw controls, one "proposed" line', () => {
    const view = escalationView(escalation, { workflowId: 'run-1', now: new Date('2026-01-01T00:01:00Z') });
    expect(view).not.toMatch(RAW_CONTROL);
    expect(view.split('\n').filter((l) => /^\s*proposed\s/.test(l))).toHaveLength(1);
    expect(view).toContain('\\u001b[2K');
  });

  test('timeline and table', () => {
    const event = { v: 1, seq: 0, step: 1, at: '2026-01-01T00:00:00.000Z', kind: 'model_response', text: hostile, toolCalls: [], stopReason: 'end_turn' } as unknown as TraceEvent;
    const line = timeline([event]);
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line.split('\n')).toHaveLength(1);
    const rendered = table(['A', 'B'], [[hostile, 'x\ny']]);
    expect(rendered).not.toMatch(RAW_CONTROL);
    expect(rendered.split('\n')).toHaveLength(2);
  });
});

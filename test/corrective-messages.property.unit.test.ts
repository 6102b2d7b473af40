/**
 * Corrective messages over generated schemas and values (fast-check): zod's string formats with their parameters
 * (date-time precision -1/0/3/any, offset, local; date; time with precision; email; uuid with a version; url),
 * string lengths and patterns, enums and literals, number ranges, integers and multiples, array lengths. Values
 * are valid ones and near misses of them. For every refusal:
 *   - the words name a constraint the value really breaks: the constraint is read back out of the words and the
 *     value is parsed again against a schema with that constraint alone, which must refuse it too;
 *   - every problem named in the received text is true of the value, checked by this file's own reading of it;
 *   - an example, when there is one, passes the whole schema.
 * The table of exact texts is test/corrective-messages.unit.test.ts.
 *
 * Seeds: fixed by default, printed in the test names; FC_SEED=<n> replays, FC_SEED=random explores
 * (docs/hostile-input.md).
 */
import fc from 'fast-check';
import { z } from 'zod';
import { validateAgainst } from '../agents/validate';
import type { FieldError } from '../common/trace';
import { propertySeed } from './helpers/property';

const SEED = propertySeed();
const RUNS = 400;

interface Refusal {
  field: FieldError;
  words: string;
  example?: unknown;
  notes: string[];
}

/** Validates `{ f: value }` against `{ f: schema }`; the refusals at `f`, with their words, example and notes. */
function refusals(schema: z.ZodType, value: unknown): Refusal[] | 'accepted' {
  const root = z.object({ f: schema });
  const outcome = validateAgainst(root, { f: value });
  expect(outcome.ok).toBe(root.safeParse({ f: value }).success);
  if (outcome.ok) return 'accepted';
  expect(outcome.fields.length).toBeGreaterThan(0);
  return outcome.fields.map((field) => {
    expect(field.received.length).toBeLessThanOrEqual(100);
    const m = /^(.*?)(?:, such as ("(?:[^"\\]|\\.)*"))?(?: \(required\))?$/.exec(field.expected);
    const words = m?.[1] ?? field.expected;
    const example = m?.[2] === undefined ? undefined : JSON.parse(m[2]);
    if (example !== undefined) expect({ example, passes: root.safeParse({ f: example }).success }).toEqual({ example, passes: true });
    return { field, words, example, notes: notesOf(field.received) };
  });
}

/**
 * The notes after the value, `"x" (no seconds, no time zone)`: the balanced parenthesis that ends the text (a value
 * as shown never ends in one), split on commas outside parentheses.
 */
function notesOf(received: string): string[] {
  if (!received.endsWith(')')) return [];
  let depth = 0;
  let start = -1;
  for (let i = received.length - 1; i >= 0; i--) {
    if (received[i] === ')') depth += 1;
    if (received[i] === '(') depth -= 1;
    if (depth === 0) {
      start = i;
      break;
    }
  }
  if (start <= 0) return [];
  return received.slice(start + 1, -1).split(/, (?![^(]*\))/).filter((n) => n !== '...');
}

function expectRefusedBy(constraint: z.ZodType, value: unknown, words: string): void {
  expect({ words, value, refused: !constraint.safeParse(value).success }).toEqual({ words, value, refused: true });
}

// ---------------------------------------------------------------- date-times, dates, times

type Precision = undefined | -1 | 0 | 2 | 3;
type Temporal =
  | { kind: 'datetime'; precision: Precision; offset: boolean; local: boolean }
  | { kind: 'date' }
  | { kind: 'time'; precision: Precision };

const temporal: fc.Arbitrary<Temporal> = fc.oneof(
  fc.record({
    kind: fc.constant('datetime' as const),
    precision: fc.constantFrom<Precision>(undefined, -1, 0, 3),
    offset: fc.boolean(),
    local: fc.boolean(),
  }),
  fc.constant({ kind: 'date' as const }),
  fc.record({ kind: fc.constant('time' as const), precision: fc.constantFrom<Precision>(undefined, -1, 0, 2) }),
);

function temporalSchema(t: Temporal): z.ZodType {
  const precision = t.kind !== 'date' && t.precision !== undefined ? { precision: t.precision } : {};
  if (t.kind === 'datetime') return z.iso.datetime({ ...precision, offset: t.offset, local: t.local });
  if (t.kind === 'date') return z.iso.date();
  return z.iso.time(precision);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const datePart = fc.oneof(
  fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  // Near misses: unpadded, or not on the calendar (Feb 30, month 13).
  fc.tuple(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 31 }), fc.boolean())
    .map(([y, m, d, padded]) => (padded ? `${y}-${pad(m)}-${pad(d)}` : `${y}-${m}-${d}`)),
);
const timePart = fc
  .record({
    hh: fc.integer({ min: 0, max: 24 }),
    padHour: fc.boolean(),
    mm: fc.integer({ min: 0, max: 59 }),
    ss: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    frac: fc.option(fc.stringMatching(/^\d{1,4}$/), { nil: undefined }),
    comma: fc.boolean(),
  })
  .map((t) => {
    const hh = t.padHour ? pad(t.hh) : String(t.hh);
    const seconds = t.ss === undefined ? '' : `:${pad(t.ss)}${t.frac === undefined ? '' : `${t.comma ? ',' : '.'}${t.frac}`}`;
    return `${hh}:${pad(t.mm)}${seconds}`;
  });
const zonePart = fc.constantFrom('', 'Z', 'Z', 'z', '+02:00', '-05:30', '+0200', '+02', '+24:00');
const temporalValue = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(datePart, fc.constantFrom('T', 'T', 'T', ' ', 't'), timePart, zonePart).map(([d, s, t, z]) => `${d}${s}${t}${z}`) },
  { weight: 2, arbitrary: fc.tuple(timePart, zonePart).map(([t, z]) => `${t}${z}`) },
  { weight: 1, arbitrary: datePart },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(' ', ''), datePart, fc.constantFrom('T09:00:00Z', ''), fc.constantFrom(' ', '')).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 24 }), fc.constantFrom('next Tuesday 3pm', 'tomorrow at 9')) },
);

/** This file's own reading of a date-time-ish value: enough to check each named problem against. */
interface Reading {
  date?: string;
  sep?: string;
  hh?: string;
  mm?: string;
  ss?: string;
  fracSep?: string;
  frac?: string;
  zone?: string;
}
function read(value: string): Reading {
  const m = /^(?:(\d{4}-\d{1,2}-\d{1,2})([Tt ]?))?(?:(\d{1,2}):(\d{2})(?::(\d{2})(?:([.,])(\d+))?)?)?(Z|z|[+-][\d:]+)?$/.exec(value.trim());
  if (!m) return {};
  const [, date, sep, hh, mm, ss, fracSep, frac, zone] = m;
  return { date, sep, hh, mm, ss, fracSep, frac, zone };
}

/** Whether a named problem is true of the value, for a schema with these options; false for a phrase it does not know. */
function problemHolds(note: string, value: string, t: Temporal): boolean {
  const r = read(value);
  const p = t.kind === 'date' ? undefined : t.precision;
  const offset = t.kind === 'datetime' && t.offset;
  const local = t.kind === 'datetime' && t.local;
  const zoned = r.zone !== undefined;
  let m: RegExpExecArray | null;
  if (note === 'spaces around it') return value.trim() !== value;
  if (note === 'no seconds') return r.hh !== undefined && r.ss === undefined && p !== -1 && (p !== undefined || t.kind === 'datetime');
  if (note === 'no seconds (required with a time zone)') return r.ss === undefined && p === undefined && local && zoned;
  if (note === 'seconds' || note === 'seconds and a fraction of a second') return r.ss !== undefined && p === -1;
  if (note === 'a fraction of a second') return r.frac !== undefined && p === 0;
  if ((m = /^no fraction of a second \(needs (\d+) digits?\)$/.exec(note))) return r.frac === undefined && p === Number(m[1]);
  if ((m = /^(\d+) decimal places? in the seconds \(needs (\d+)\)$/.exec(note))) return r.frac?.length === Number(m[1]) && p === Number(m[2]) && m[1] !== m[2];
  if (note === 'a decimal comma instead of a point') return r.fracSep === ',';
  if (note === 'no time zone') return t.kind === 'datetime' && !zoned && !local;
  if (note === 'a time zone') return t.kind === 'time' && zoned;
  if (note === 'a lower-case "z"') return r.zone === 'z';
  if (note === 'a lower-case "t"') return r.sep === 't';
  if (note === 'a space instead of "T" between date and time') return r.sep === ' ';
  if ((m = /^offset (\S+) \(only "Z" is accepted\)$/.exec(note))) return r.zone === m[1] && !offset;
  if ((m = /^the offset written (\S+) instead of (\S+)$/.exec(note))) return offset && r.zone === m[1] && m[1] !== m[2] && /^[+-]\d{2}:\d{2}$/.test(m[2] ?? '');
  if ((m = /^(\S+) is not a UTC offset$/.exec(note))) return offset && r.zone === m[1] && !/^[+-](?:[01]\d|2[0-3]):?(?:[0-5]\d)?$/.test(m[1] ?? '');
  if ((m = /^(\S+) is not a calendar date$/.exec(note))) return !z.iso.date().safeParse(m[1]).success && (r.date ?? '').split('-').map(Number).join() === (m[1] ?? '').split('-').map(Number).join();
  if (note === 'month and day need two digits') return r.date !== undefined && /-\d(?:-|$)/.test(r.date);
  if (note === 'a one-digit hour') return r.hh?.length === 1;
  if ((m = /^(\d+):(\d+)(?::(\d+))? is not a time of day$/.exec(note))) return Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59;
  if (note === 'a time after the date') return t.kind === 'date' && r.date !== undefined && r.hh !== undefined;
  if (note === 'a date without a time') return t.kind === 'datetime' && r.date !== undefined && r.hh === undefined;
  return false;
}

/** What the words must say for these options: each requirement of the schema, and nothing it does not have. */
function wordsFit(words: string, t: Temporal): boolean {
  if (t.kind === 'date') return words === 'an ISO 8601 date as YYYY-MM-DD';
  const p = t.precision;
  const seconds =
    p === undefined ? /with seconds|HH:MM or HH:MM:SS/ : p === -1 ? /no seconds/ : p === 0 ? /whole seconds/ : new RegExp(`(exactly ${p} decimal places|HH:MM:SS\\.${'s'.repeat(p)})`);
  if (!seconds.test(words)) return false;
  if (t.kind === 'time') return words.startsWith('an ISO 8601 time of day') && words.endsWith('without a time zone');
  const zone = t.offset ? words.includes('"+HH:MM"') : words.includes('in UTC ("Z")') && !words.includes('+HH:MM');
  const local = t.local === words.includes('without a time zone');
  return words.startsWith('an ISO 8601 date-time') && zone && local;
}

describe(`corrective messages, property-based (seed ${SEED})`, () => {
  test('date-times, dates and times: the words name the options, every problem named is true of the value, the example passes', () => {
    let diagnosed = 0;
    fc.assert(
      fc.property(temporal, temporalValue, (t, value) => {
        const schema = temporalSchema(t);
        const found = refusals(schema, value);
        if (found === 'accepted') return;
        const [only, ...rest] = found;
        expect(rest).toEqual([]);
        if (!only) return;
        expect({ words: only.words, fits: wordsFit(only.words, t) }).toEqual({ words: only.words, fits: true });
        // The format alone refuses the value: the constraint named is one it breaks.
        expectRefusedBy(schema, value, only.words);
        for (const note of only.notes) expect({ note, value, t, holds: problemHolds(note, value, t) }).toEqual({ note, value, t, holds: true });
        if (only.notes.length > 0) diagnosed += 1;
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
    // Not vacuous: near misses were diagnosed, not only refused.
    expect(diagnosed).toBeGreaterThan(RUNS / 4);
  });

  test('string lengths, patterns and formats: each refusal names a constraint the value breaks, with its length as zod counts it', () => {
    const PATTERNS = [/^[a-z]+$/, /^\d{3}-\d{4}$/, /^ord_\d+$/];
    const stringSchema = fc.oneof(
      fc
        .record({
          min: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
          max: fc.option(fc.integer({ min: 3, max: 10 }), { nil: undefined }),
          length: fc.option(fc.integer({ min: 2, max: 6 }), { nil: undefined }),
          pattern: fc.option(fc.constantFrom(...PATTERNS), { nil: undefined }),
        })
        .map((c) => {
          let s = z.string();
          if (c.min !== undefined) s = s.min(c.min);
          if (c.max !== undefined) s = s.max(c.max);
          if (c.length !== undefined) s = s.length(c.length);
          if (c.pattern !== undefined) s = s.regex(c.pattern);
          return { schema: s as z.ZodType, pattern: c.pattern, format: undefined as string | undefined, version: undefined as string | undefined };
        }),
      fc.constantFrom(undefined, 'v4', 'v7').map((version) => ({ schema: z.uuid(version ? { version: version as 'v4' } : {}) as z.ZodType, pattern: undefined, format: 'uuid', version })),
      fc.constant({ schema: z.email() as z.ZodType, pattern: undefined, format: 'email', version: undefined }),
      fc.constant({ schema: z.url() as z.ZodType, pattern: undefined, format: 'url', version: undefined }),
    );
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const stringValue = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.stringMatching(/^[a-z]{0,8}$/),
      fc.stringMatching(/^\d{3}-\d{3,5}$/),
      fc.stringMatching(/^ord_\d{0,4}$/),
      fc.tuple(hex(8), hex(4), fc.constantFrom('1', '4', '7', 'c'), hex(3), fc.constantFrom('8', 'b', 'c'), hex(3), hex(12), fc.boolean())
        .map(([a, b, v, c, w, d, e, hyphens]) => [a, b, `${v}${c}`, `${w}${d}`, e].join(hyphens ? '-' : '')),
      fc.tuple(fc.constantFrom('', ' '), fc.stringMatching(/^[a-z]{1,5}$/), fc.constantFrom('@', ' at ', '@@'), fc.constantFrom('example.com', 'x', 'ex ample.com')).map((p) => p.join('')),
      fc.tuple(fc.constantFrom('https://', 'http://', '', 'ht tp://'), fc.constantFrom('example.com', 'example.com/orders?id=1', '')).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(stringSchema, stringValue, (s, value) => {
        const found = refusals(s.schema, value);
        if (found === 'accepted') return;
        for (const { words, notes } of found) {
          let m: RegExpExecArray | null;
          if ((m = /^a string of (at least|at most|exactly) (\d+) characters?$/.exec(words))) {
            const n = Number(m[2]);
            expectRefusedBy(m[1] === 'at least' ? z.string().min(n) : m[1] === 'at most' ? z.string().max(n) : z.string().length(n), value, words);
            // The length as zod measures it: in code points.
            expect(notes).toEqual([`${[...value].length} character${[...value].length === 1 ? '' : 's'}`]);
          } else if ((m = /^a string matching (\/.*\/)$/.exec(words))) {
            const pattern = PATTERNS.find((p) => String(p) === m?.[1]);
            expect({ words, known: pattern !== undefined && String(pattern) === String(s.pattern) }).toEqual({ words, known: true });
            expectRefusedBy(z.string().regex(pattern ?? /$^/), value, words);
          } else if ((m = /^a (?:version (\d) )?UUID$/.exec(words))) {
            expect(m[1]).toBe(s.version?.slice(1));
            expectRefusedBy(s.schema, value, words);
            for (const note of notes) {
              const v = /^version digit (\w) \(needs (.+)\)$/.exec(note);
              const w = /^variant digit (\w) \(needs 8, 9, a or b\)$/.exec(note);
              if (v) expect(value.charAt(14) === v[1] && (v[2] === '1-8' ? !/[1-8]/.test(v[1] ?? '') : v[2] !== v[1])).toBe(true);
              else if (w) expect(value.charAt(19) === w[1] && !/[89ab]/i.test(w[1] ?? '')).toBe(true);
              else expect(note === 'no hyphens' && /^[0-9a-f]{32}$/i.test(value)).toBe(true);
            }
          } else if (words === 'an email address') {
            expectRefusedBy(z.email(), value, words);
            for (const note of notes) expect(note === 'spaces around it' && value.trim() !== value && z.email().safeParse(value.trim()).success).toBe(true);
          } else if (words === 'a URL') {
            expectRefusedBy(z.url(), value, words);
            for (const note of notes) expect(note === 'no scheme (such as "https://")' && !/^[a-z][a-z0-9+.-]*:/i.test(value)).toBe(true);
          } else {
            throw new Error(`words naming no constraint: ${words}`);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('enums and literals: the options named, and the one meant when the value differs from it only by case or spaces', () => {
    const OPTIONS = [['low', 'high'], ['refund', 'replace', 'repair'], ['EUR']] as const;
    const choice = fc.constantFrom(...OPTIONS).chain((options) =>
      fc.record({
        options: fc.constant(options),
        literal: fc.constant(options.length === 1),
        value: fc.oneof(
          fc.constantFrom(...options).chain((o) => fc.constantFrom(o, o.toUpperCase(), ` ${o}`, `${o.charAt(0).toUpperCase()}${o.slice(1)}`, `${o}s`)),
          fc.string({ maxLength: 6 }),
          fc.integer(),
        ),
      }),
    );
    let suggested = 0;
    fc.assert(
      fc.property(choice, ({ options, literal, value }) => {
        const schema = literal ? z.literal(options[0]) : z.enum(options as unknown as [string, ...string[]]);
        const found = refusals(schema, value);
        if (found === 'accepted') return;
        const [only] = found;
        if (!only) return;
        const named = only.words.startsWith('one of ') ? (JSON.parse(`[${only.words.slice('one of '.length)}]`) as string[]) : [JSON.parse(only.words) as string];
        expect(named).toEqual([...options]);
        expectRefusedBy(z.enum(named as [string, ...string[]]), value, only.words);
        const near = typeof value === 'string' ? options.filter((o) => o.toLowerCase() === value.trim().toLowerCase()) : [];
        const meant = near.length === 1 ? near[0] : undefined;
        expect(only.notes).toEqual(meant === undefined ? [] : [`did you mean ${JSON.stringify(meant)}?`]);
        if (meant !== undefined) suggested += 1;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(suggested).toBeGreaterThan(RUNS / 10);
  });

  test('number ranges, integers and multiples: each refusal names a bound the value breaks, and says integer when only integers pass', () => {
    const numberSchema = fc
      .record({
        int: fc.boolean(),
        low: fc.option(fc.record({ bound: fc.integer({ min: -5, max: 5 }), inclusive: fc.boolean() }), { nil: undefined }),
        high: fc.option(fc.record({ bound: fc.integer({ min: 6, max: 20 }), inclusive: fc.boolean() }), { nil: undefined }),
        step: fc.option(fc.constantFrom(2, 5, 0.5), { nil: undefined }),
      })
      .map((c) => {
        let s = c.int ? z.number().int() : z.number();
        if (c.low) s = c.low.inclusive ? s.gte(c.low.bound) : s.gt(c.low.bound);
        if (c.high) s = c.high.inclusive ? s.lte(c.high.bound) : s.lt(c.high.bound);
        if (c.step !== undefined) s = s.multipleOf(c.step);
        return { schema: s, int: c.int };
      });
    const numberValue = fc.oneof(fc.integer({ min: -8, max: 24 }), fc.integer({ min: -16, max: 48 }).map((n) => n / 4), fc.double({ min: -30, max: 30, noNaN: true }));
    fc.assert(
      fc.property(numberSchema, numberValue, ({ schema, int }, value) => {
        const found = refusals(schema, value);
        if (found === 'accepted') return;
        for (const { words } of found) {
          let m: RegExpExecArray | null;
          if ((m = /^(a number|an integer) (at least|greater than|at most|less than) (-?\d+)$/.exec(words))) {
            expect(m[1] === 'an integer').toBe(int);
            const n = Number(m[3]);
            const bound = { 'at least': z.number().gte(n), 'greater than': z.number().gt(n), 'at most': z.number().lte(n), 'less than': z.number().lt(n) }[m[2] as 'at least'];
            expectRefusedBy(bound, value, words);
          } else if (words === 'an integer') {
            expect(int).toBe(true);
            expectRefusedBy(z.int(), value, words);
          } else if ((m = /^a multiple of (\S+)$/.exec(words))) {
            expectRefusedBy(z.number().multipleOf(Number(m[1])), value, words);
          } else {
            throw new Error(`words naming no constraint: ${words}`);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('array lengths: the bound the value breaks, exact when the schema is, and how many items it had', () => {
    const arraySchema = fc.oneof(
      fc.record({ min: fc.integer({ min: 1, max: 3 }), max: fc.integer({ min: 3, max: 5 }) }).map(({ min, max }) => z.array(z.number()).min(min).max(max)),
      fc.integer({ min: 1, max: 4 }).map((n) => z.array(z.number()).length(n)),
    );
    fc.assert(
      fc.property(arraySchema, fc.array(fc.integer(), { maxLength: 7 }), (schema, value) => {
        const found = refusals(schema, value);
        if (found === 'accepted') return;
        for (const { words, notes } of found) {
          const m = /^(at least|at most|exactly) (\d+) items?$/.exec(words);
          if (!m) throw new Error(`words naming no constraint: ${words}`);
          const n = Number(m[2]);
          const exact = (schema._zod.def.checks ?? []).some((c) => c._zod.def.check === 'length_equals');
          expect(m[1] === 'exactly').toBe(exact);
          expectRefusedBy(m[1] === 'at least' ? z.array(z.any()).min(n) : m[1] === 'at most' ? z.array(z.any()).max(n) : z.array(z.any()).length(n), value, words);
          expect(notes).toEqual([`${value.length} item${value.length === 1 ? '' : 's'}`]);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

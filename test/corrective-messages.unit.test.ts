/**
 * Corrective messages say exactly what the schema wants (issue 13 §5): one row per constraint kind, each the
 * message a model gets for one bad value, word for word. The words come from the schema's own constraints (a
 * datetime's precision, offset and local; a length that is exact; an integer bound), an example is offered only
 * when the schema accepts it, and what is wrong with the value is named only when it is certain.
 * test/corrective-messages.property.unit.test.ts checks the same rules over generated schemas and values.
 */
import { z } from 'zod';
import { formatFieldErrors, validateAgainst } from '../agents/validate';

type Row = [name: string, schema: z.ZodType, value: unknown, message: string];

const field = (schema: z.ZodType) => z.object({ f: schema });

const TABLE: Row[] = [
  // The two date-times of the issue: ISO 8601 both, refused for different reasons, and now told which.
  ['date-time without seconds', field(z.iso.datetime()), { f: '2027-01-31T09:00Z' },
    'f: expected an ISO 8601 date-time with seconds, in UTC ("Z"), such as "2027-01-31T09:00:00Z", got "2027-01-31T09:00Z" (no seconds)'],
  ['date-time without seconds or a time zone', field(z.iso.datetime()), { f: '2027-01-31T09:00' },
    // Which zone was meant is unknown, so the value with "Z" added is no example: the canonical one is.
    'f: expected an ISO 8601 date-time with seconds, in UTC ("Z"), such as "2026-03-14T15:00:00Z", got "2027-01-31T09:00" (no seconds, no time zone)'],
  ['date-time with an offset where only UTC is taken', field(z.iso.datetime()), { f: '2027-01-31T01:30:00-02:00' },
    'f: expected an ISO 8601 date-time with seconds, in UTC ("Z"), such as "2027-01-31T03:30:00Z", got "2027-01-31T01:30:00-02:00" (offset -02:00 (only "Z" is accepted))'],
  ['date-time with offset: true, offset without a colon', field(z.iso.datetime({ offset: true })), { f: '2027-01-31T09:00:00+0200' },
    'f: expected an ISO 8601 date-time with seconds and a time zone ("Z" or "+HH:MM"), such as "2027-01-31T09:00:00+02:00", got "2027-01-31T09:00:00+0200" (the offset written +0200 instead of +02:00)'],
  ['date-time with precision -1', field(z.iso.datetime({ precision: -1 })), { f: '2027-01-31T09:00:00Z' },
    'f: expected an ISO 8601 date-time with hours and minutes only (no seconds), in UTC ("Z"), such as "2027-01-31T09:00Z", got "2027-01-31T09:00:00Z" (seconds)'],
  ['date-time with precision 3', field(z.iso.datetime({ precision: 3 })), { f: '2027-01-31T09:00:00.5Z' },
    'f: expected an ISO 8601 date-time with seconds to exactly 3 decimal places, in UTC ("Z"), such as "2027-01-31T09:00:00.500Z", got "2027-01-31T09:00:00.5Z" (1 decimal place in the seconds (needs 3))'],
  ['date-time, local: true', field(z.iso.datetime({ local: true })), { f: '2027-01-31T09:00Z' },
    'f: expected an ISO 8601 date-time with seconds (optional without a time zone), in UTC ("Z") or without a time zone, such as "2027-01-31T09:00:00Z", got "2027-01-31T09:00Z" (no seconds (required with a time zone))'],
  ['date-time that is not a date', field(z.iso.datetime()), { f: '2027-02-30T09:00:00Z' },
    'f: expected an ISO 8601 date-time with seconds, in UTC ("Z"), such as "2026-03-14T15:00:00Z", got "2027-02-30T09:00:00Z" (2027-02-30 is not a calendar date)'],
  ['date-time sent as prose: no problem named, nothing guessed', field(z.iso.datetime()), { f: 'next Tuesday 3pm' },
    'f: expected an ISO 8601 date-time with seconds, in UTC ("Z"), such as "2026-03-14T15:00:00Z", got "next Tuesday 3pm"'],
  ['date-time missing', field(z.iso.datetime({ offset: true })), {},
    'f: expected an ISO 8601 date-time with seconds and a time zone ("Z" or "+HH:MM"), such as "2026-03-14T15:00:00Z" (required), got nothing'],
  ['date-time refused by a refinement too: no example the schema would refuse',
    z.object({ f: z.iso.datetime() }).refine((o) => o.f >= '2030', { path: ['f'], message: 'Must be in 2030 or later' }), { f: '2027-01-31T09:00Z' },
    'f: expected an ISO 8601 date-time with seconds, in UTC ("Z"), got "2027-01-31T09:00Z" (no seconds)\n- f: expected must be in 2030 or later, got object {"f":"2027-01-31T09:00Z"}'],
  ['date', field(z.iso.date()), { f: '2027-1-5' },
    'f: expected an ISO 8601 date as YYYY-MM-DD, such as "2027-01-05", got "2027-1-5" (month and day need two digits)'],
  ['time with precision 0', field(z.iso.time({ precision: 0 })), { f: '9:00' },
    'f: expected an ISO 8601 time of day as HH:MM:SS (whole seconds), without a time zone, such as "09:00:00", got "9:00" (a one-digit hour, no seconds)'],
  ['time with a time zone', field(z.iso.time()), { f: '09:00Z' },
    'f: expected an ISO 8601 time of day as HH:MM or HH:MM:SS, without a time zone, such as "15:00:00", got "09:00Z" (a time zone)'],
  ['duration', field(z.iso.duration()), { f: 'p3d' },
    'f: expected an ISO 8601 duration, such as "P3D", got "p3d" (lower-case letters)'],
  ['email', field(z.email()), { f: ' ana@example.com' },
    'f: expected an email address, such as "ana@example.com", got " ana@example.com" (spaces around it)'],
  ['uuid of a version', field(z.uuid({ version: 'v4' })), { f: '123e4567-e89b-12d3-a456-426614174000' },
    'f: expected a version 4 UUID, such as "00000000-0000-4000-8000-000000000000", got "123e4567-e89b-12d3-a456-426614174000" (version digit 1 (needs 4))'],
  ['url', field(z.url()), { f: 'example.com/orders' },
    'f: expected a URL, such as "https://example.com", got "example.com/orders" (no scheme (such as "https://"))'],
  ['min length', field(z.string().min(3)), { f: 'ab' }, 'f: expected a string of at least 3 characters, got "ab" (2 characters)'],
  ['max length, counted in code points as zod counts', field(z.string().max(2)), { f: '😀😀😀' },
    'f: expected a string of at most 2 characters, got "😀😀😀" (3 characters)'],
  ['exact length', field(z.string().length(3)), { f: 'abcd' }, 'f: expected a string of exactly 3 characters, got "abcd" (4 characters)'],
  ['regex: the pattern itself', field(z.string().regex(/^[A-Z]{3}-\d+$/)), { f: 'abc-1' }, 'f: expected a string matching /^[A-Z]{3}-\\d+$/, got "abc-1"'],
  ['enum, with the option meant', field(z.enum(['low', 'high'])), { f: 'High' }, 'f: expected one of "low", "high", got "High" (did you mean "high"?)'],
  ['literal', field(z.literal('refund')), { f: 'Refund' }, 'f: expected "refund", got "Refund" (did you mean "refund"?)'],
  // The same text the edit path of test/resolutions.test.ts and test/bad-input.test.ts asserts.
  ['integer bound', z.object({ amountCents: z.number().int().positive() }), { amountCents: -5 }, 'amountCents: expected an integer greater than 0, got number -5'],
  ['integer range', field(z.number().int().min(1).max(10)), { f: 11 }, 'f: expected an integer at most 10, got number 11'],
  ['int', field(z.number().int()), { f: 1.5 }, 'f: expected an integer, got number 1.5'],
  ['multipleOf', field(z.number().multipleOf(5)), { f: 7 }, 'f: expected a multiple of 5, got number 7'],
  ['array min', field(z.array(z.string()).min(2)), { f: ['a'] }, 'f: expected at least 2 items, got array ["a"] (1 item)'],
  ['array exact length', field(z.array(z.string()).length(2)), { f: ['a', 'b', 'c'] }, 'f: expected exactly 2 items, got array ["a","b","c"] (3 items)'],
  ['union of primitives', field(z.union([z.string(), z.number()])), { f: true }, 'f: expected a string or a number, got boolean true'],
  ['union of a format and a type: each alternative in its own words', field(z.union([z.iso.date(), z.number()])), { f: true },
    'f: expected an ISO 8601 date as YYYY-MM-DD, such as "2026-03-14" or a number, got boolean true'],
  ['union of objects', field(z.union([z.object({ k: z.literal('x'), v: z.number() }), z.object({ k: z.literal('y') })])), { f: { k: 'x', v: 'no' } },
    'f: expected one of 2 alternatives: (1) v: a number; (2) k: "y", got object {"k":"x","v":"no"}'],
  ['discriminated union', field(z.discriminatedUnion('k', [z.object({ k: z.literal('x') }), z.object({ k: z.literal('y') })])), { f: { k: 'X' } },
    'f.k: expected one of "x", "y", got "X" (did you mean "x"?)'],
  ['record key', field(z.record(z.string().min(3), z.number())), { f: { ab: 1 } },
    'f.ab: expected a key that is a string of at least 3 characters, got "ab" (2 characters)'],
];

test.each(TABLE)('%s', (_name, schema, value, message) => {
  const outcome = validateAgainst(schema, value);
  if (outcome.ok) throw new Error('accepted a value the row says is refused');
  expect(formatFieldErrors(outcome.fields)).toBe(`- ${message}`);
});

test('every example in the table passes the schema it is offered for', () => {
  let examples = 0;
  for (const [name, schema, value] of TABLE) {
    const outcome = validateAgainst(schema, value);
    if (outcome.ok) continue;
    for (const f of outcome.fields) {
      const example = /,? such as ("(?:[^"\\]|\\.)*")/.exec(f.expected)?.[1];
      if (example === undefined) continue;
      examples += 1;
      const key = f.path.split('.')[0] ?? '';
      const shape = (schema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
      const leaf = shape[key];
      if (!leaf) throw new Error(`${name}: no field ${key}`);
      expect({ name, ok: leaf.safeParse(JSON.parse(example)).success }).toEqual({ name, ok: true });
    }
  }
  expect(examples).toBeGreaterThan(15);
});

test('a long value is never echoed in full, and a note does not push the received text past 100 characters', () => {
  const outcome = validateAgainst(field(z.string().max(3)), { f: 'x'.repeat(5000) });
  if (outcome.ok) throw new Error('accepted');
  expect(outcome.fields[0]?.received.length).toBeLessThanOrEqual(100);
  expect(outcome.fields[0]?.received).toMatch(/\(5000 characters\)$/);
  const long = validateAgainst(field(z.iso.datetime()), { f: `2027-01-31T09:00${'0'.repeat(5000)}` });
  if (long.ok) throw new Error('accepted');
  expect(long.fields[0]?.received.length).toBeLessThanOrEqual(100);
});

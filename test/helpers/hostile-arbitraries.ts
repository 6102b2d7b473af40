/**
 * fast-check arbitraries for hostile and malformed tool calls against the example ops agent's tools: each generated
 * call says which fields it broke and how, so a property can check the rejection names exactly those fields; a
 * reference check against the zod schema itself keeps the generators honest.
 */
import fc from 'fast-check';
import { z } from 'zod';

/**
 * Code units that break naive text handling: NUL and other controls, lone surrogates, bidi overrides (RTL),
 * zero-width characters, a BOM, combining marks, a ZWJ emoji sequence, homoglyphs, quotes and backslashes.
 */
export const NASTY_UNITS = [
  '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\n', '\r', '\t',
  '\ud800', '\udbff', '\udc00', '\udfff',
  '\u202e', '\u202d', '\u200f', '\u200e', '\u2066', '\u2069', '\u061c',
  '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad',
  '\u0301', '\u0336', '👩‍👩‍👧', '🏳️‍🌈', 'ﷺ', 'ǅ', 'ß', 'İ',
  'а', 'е', 'і', 'ο', // Cyrillic a, e, i; Greek omicron: look like Latin letters
  '"', "'", '\\', '`', '$', '{', '}', '<', '>', '/', '%s', '${x}', '__proto__',
];

/** Strings mixing ASCII, any code point and the nasty units above. */
export function hostileString(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_UNITS) },
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  );
  return fc.string({ unit, ...constraints });
}

/** The largest generated string, in code points: a megabyte (end-to-end runs pass less; see callTo). */
export const HUGE = 1_048_576;

/** Length as zod (and JSON Schema) counts it: in code points, not UTF-16 units. */
export const codePoints = (s: string): number => [...s].length;

/** A string far longer than any field allows: from just over a bound to a megabyte (counted in code points). */
export function hugeString(upTo = HUGE): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...[501, 4_096, 65_536, 1_048_576].filter((n) => n <= upTo)), hostileString({ minLength: 1, maxLength: 8 }))
    .map(([length, seed]) => seed.repeat(Math.ceil(length / codePoints(seed))));
}

/** Arrays or objects nested `depth` levels deep (built without recursion, so any depth is cheap). */
export function nested(depth: number, shape: 'array' | 'object'): unknown {
  let value: unknown = shape === 'array' ? [] : {};
  for (let i = 1; i < depth; i++) value = shape === 'array' ? [value] : { a: value };
  return value;
}

export function deepValue(maxDepth = 200): fc.Arbitrary<unknown> {
  return fc.tuple(fc.integer({ min: 2, max: maxDepth }), fc.constantFrom('array' as const, 'object' as const)).map(([d, s]) => nested(d, s));
}

/** Any JSON value, hostile strings included; what a model's `input` can be after JSON.parse. */
export function anyJson(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 2, arbitrary: hostileString({ maxLength: 20 }) },
    { weight: 1, arbitrary: deepValue(50) },
  );
}

/** What arrives in a tool_use block really went through JSON: no undefined, no -0, no NaN, no prototype tricks. */
export function throughJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// ---------------------------------------------------------------------------------------------------------------
// The fields of the example tools (model-facing: tools that act also carry confidence and rationale).

export type FieldKind = 'email' | 'id' | 'datetime' | 'note' | 'cents' | 'reason' | 'confidence' | 'rationale';

export const OPS_TOOL_FIELDS: Record<string, Record<string, FieldKind>> = {
  lookup_customer: { email: 'email' },
  list_orders: { customerId: 'id' },
  schedule_callback: { customerId: 'id', startsAt: 'datetime', note: 'note', confidence: 'confidence', rationale: 'rationale' },
  issue_refund: { orderId: 'id', amountCents: 'cents', reason: 'reason', confidence: 'confidence', rationale: 'rationale' },
};

const STRING_KINDS: FieldKind[] = ['email', 'id', 'datetime', 'note', 'reason', 'rationale'];

/** A value the field accepts. Hostile text is valid wherever the schema allows any string: that is the tool's job. */
export function validValue(kind: FieldKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'email':
      return fc
        .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}[a-z0-9]$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/), fc.constantFrom('com', 'org', 'io', 'shop'))
        .map(([local, domain, tld]) => `${local}@${domain}.${tld}`)
        .filter((email) => z.email().safeParse(email).success);
    case 'id':
    case 'rationale':
      return hostileString({ minLength: 1, maxLength: 40 });
    case 'reason':
      return hostileString({ minLength: 3, maxLength: 40 });
    case 'note':
      return hostileString({ maxLength: 200 }).filter((s) => codePoints(s) <= 500);
    case 'datetime':
      return fc
        .tuple(
          fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
          fc.constantFrom('Z', '+02:00', '-05:30', '+00:00'),
        )
        .map(([d, zone]) => d.toISOString().replace('Z', zone));
    case 'cents':
      return fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
    case 'confidence':
      return fc.double({ min: 0, max: 1, noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n));
  }
}

/** A value of the right type that the field still refuses (a bound, a format). */
export function badValue(kind: FieldKind, hugeUpTo = HUGE): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'email':
      return fc.oneof(
        fc.constantFrom('ana', 'ana@', '@example.com', 'ana example.com', 'ana@@example.com', 'аna@example.com', 'ana@example.com\u0000', ' ana@example.com', ''),
        hostileString({ maxLength: 30 }),
      ).filter((s) => !z.email().safeParse(s).success);
    case 'id':
    case 'rationale':
      return fc.constant('');
    case 'reason':
      return hostileString({ maxLength: 2 }).filter((s) => codePoints(s) < 3);
    case 'note':
      return hugeString(hugeUpTo);
    case 'datetime':
      return fc.oneof(
        fc.constantFrom(
          'next Tuesday 3pm', '2026-03-14', '15:00', '2026-13-01T00:00:00Z', '2026-03-14 15:00:00Z', '2026-03-14T15:00:00',
          '2026-02-30T10:00:00Z', '1710428400', '2026-03-14T15:00:00Z\u0000', '２０２６-03-14T15:00:00Z', '',
        ),
        hostileString({ maxLength: 30 }),
      ).filter((s) => !z.iso.datetime({ offset: true }).safeParse(s).success);
    case 'cents':
      return fc.oneof(fc.constantFrom(0, -1, 1.5, 49.99, 1e20, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2), fc.integer({ max: 0 }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)));
    case 'confidence':
      return fc.oneof(fc.double({ min: 1.0000001, max: 1e308, noNaN: true }), fc.double({ min: -1e308, max: -1e-9, noNaN: true }));
  }
}

/** A value of another JSON type altogether (numeric strings for numbers, numbers for strings, containers, null). */
export function wrongType(kind: FieldKind): fc.Arbitrary<unknown> {
  const containers = fc.oneof(fc.array(anyJson(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), anyJson(), { maxKeys: 3 }), deepValue(100));
  const common = fc.oneof(fc.constant(null), fc.boolean(), containers);
  if (STRING_KINDS.includes(kind)) return fc.oneof(common, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
  return fc.oneof(common, fc.constantFrom('4999', '0.9', '1e3', 'NaN', 'Infinity', ''), hostileString({ maxLength: 10 }));
}

export type Fate = 'valid' | 'missing' | 'wrongType' | 'badValue';

export interface GeneratedCall {
  tool: string;
  input: unknown;
  /** The fields the generator broke, and how; empty for a call the schema accepts. */
  broken: Record<string, Exclude<Fate, 'valid'>>;
  /** Extra keys the tool does not declare (zod strips them: valid, but they must never reach `run`). */
  extras: string[];
}

/** Keys a model might add: fake approvals, prototype tricks, case variants of real fields, anything. */
export function extraKey(declared: string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom('approvedBy', 'approved', 'approval', 'preApproved', 'authorizedBy', 'override', 'mode', 'scope', 'effect', '__proto__', 'constructor', 'toString', 'EMAIL', 'OrderId', 'amount_cents', ''),
      hostileString({ maxLength: 12 }),
    )
    .filter((k) => !declared.includes(k));
}

/** A call to `tool` with each field kept valid or broken in one of three ways, plus extra keys. */
export function callTo(tool: string, opts: { allValid?: boolean; hugeUpTo?: number } = {}): fc.Arbitrary<GeneratedCall> {
  const fields = OPS_TOOL_FIELDS[tool];
  if (!fields) throw new Error(`no field model for ${tool}`);
  const names = Object.keys(fields);
  const fateArb: fc.Arbitrary<Fate> = opts.allValid
    ? fc.constant('valid')
    : fc.constantFrom<Fate>('valid', 'valid', 'missing', 'wrongType', 'badValue');
  const perField = names.map((name) => {
    const kind = fields[name] as FieldKind;
    return fateArb.chain((fate) => {
      const value =
        fate === 'valid' ? validValue(kind) : fate === 'wrongType' ? wrongType(kind) : fate === 'badValue' ? badValue(kind, opts.hugeUpTo) : fc.constant(undefined);
      return value.map((v) => ({ name, fate, value: v }));
    });
  });
  const extras = fc.uniqueArray(fc.tuple(extraKey(names), anyJson()), { maxLength: 3, selector: ([k]) => k });
  return fc.tuple(fc.tuple(...perField), extras).map(([chosen, extra]) => {
    const input: Record<string, unknown> = {};
    const broken: GeneratedCall['broken'] = {};
    for (const { name, fate, value } of chosen) {
      if (fate !== 'missing') input[name] = value;
      if (fate !== 'valid') broken[name] = fate;
    }
    // defineProperty: an extra key named "__proto__" must be an own field, as JSON.parse makes it, not a prototype.
    for (const [key, value] of extra) Object.defineProperty(input, key, { value, enumerable: true, writable: true, configurable: true });
    return { tool, input: throughJson(input), broken, extras: extra.map(([k]) => k) };
  });
}

/** Inputs that are not an object at all: the whole value is wrong, reported at `(root)`. */
export function nonObjectInput(hugeUpTo = HUGE): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    hostileString({ maxLength: 40 }),
    hugeString(hugeUpTo),
    fc.array(anyJson(), { maxLength: 4 }),
    fc.constantFrom('{"orderId":"ord_1001","amountCents":4999}', '[object Object]', 'null', ''),
    deepValue(300).filter((v) => Array.isArray(v)),
  );
}

/** Tool names the agent does not have: near misses of real names (case, spaces, invisible and look-alike characters) and anything else. */
export function unknownToolName(realNames: string[]): fc.Arbitrary<string> {
  const real = fc.constantFrom(...realNames);
  const nearMiss = fc.oneof(
    real.map((n) => n.toUpperCase()),
    real.map((n) => n.replace(/(^|_)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase())), // Issue_Refund
    real.map((n) => n.replace(/_/g, '')),
    real.map((n) => n.replace(/_/g, '-')),
    fc.tuple(real, fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u0000', '\u200b', '\ufeff', '\u202e', '.', '()')).map(([n, s]) => n + s),
    fc.tuple(real, fc.constantFrom(' ', '\u200b', '\ufeff', '\u202e')).map(([n, s]) => s + n),
    fc.tuple(real, fc.constantFrom('\u200b', '\u200d', '\u00ad', '\u0301')).map(([n, s]) => n.replace('_', `_${s}`)),
    real.map((n) => n.replace(/[aeio]/, (c) => ({ a: 'а', e: 'е', i: 'і', o: 'ο' })[c] ?? c)), // homoglyph
    real.map((n) => `functions.${n}`),
    real.map((n) => `${n}\ud800`),
  );
  return fc
    .oneof(
      { weight: 4, arbitrary: nearMiss },
      { weight: 2, arbitrary: hostileString({ minLength: 1, maxLength: 30 }) },
      { weight: 1, arbitrary: fc.constantFrom('echo', 'wire_money', 'delete_everything', 'approve_escalation', 'resolve', 'system', 'tool.issue_refund', 'agent.checkToolArgs', 'model.call') },
      { weight: 1, arbitrary: fc.integer({ min: 65, max: 100_000 }).map((n) => 'x'.repeat(n)) },
    )
    .filter((name) => !realNames.includes(name));
}

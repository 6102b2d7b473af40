/**
 * Turns zod's issues into field errors a model can act on: the path, what the schema wants, what was received.
 * "That did not work" teaches a model nothing; `startsAt: expected an ISO 8601 date-time with seconds, in UTC
 * ("Z"), such as "2027-01-31T09:00:00Z", got "2027-01-31T09:00Z" (no seconds)` gets it right on the next try.
 *
 * What is expected comes from the schema's own constraints (the issue, and the schema or check found again at its
 * path: schema-at.ts), never from a fixed phrase per format: `z.iso.datetime()` and
 * `z.iso.datetime({ precision: -1, offset: true })` want different things. An example is only offered when the
 * whole schema accepts it in place of the value sent; a problem with the value is only named when it is certain
 * (format-advice.ts).
 */
import { z } from 'zod';
import { clip, describeValue } from '../common/text';
import type { FieldError } from '../common/trace';
import { formatAdvice, type IssueFacts } from './format-advice';
import { checkDefsOf, defOf, schemasAt, type SchemaDef } from './schema-at';

export type ValidationOutcome<T> = { ok: true; value: T } | { ok: false; fields: FieldError[] };

/**
 * The arguments with only the keys an object schema declares, as they were sent (no transform applied): what the
 * tool will see, and so what the trace and the ledger record. A model that adds `approvedBy: "cfo"` to a refund
 * must not leave an audit record that reads as if the CFO approved it. Nested objects keep their keys (zod strips
 * those too before `run`); a loose object keeps everything.
 */
export function declaredOnly(schema: z.ZodType, args: Record<string, unknown>): Record<string, unknown> {
  const def = (schema as unknown as { _zod?: { def?: { type?: string; shape?: Record<string, unknown>; catchall?: unknown } } })._zod?.def;
  if (def?.type !== 'object' || !def.shape) return args;
  const catchall = (def.catchall as { _zod?: { def?: { type?: string } } } | undefined)?._zod?.def?.type;
  if (catchall !== undefined && catchall !== 'never') return args;
  return Object.fromEntries(Object.entries(args).filter(([key]) => Object.prototype.hasOwnProperty.call(def.shape, key)));
}

/**
 * Parses `value`; on failure, one field error per problem, each saying what that field's schema wants.
 *
 * @example
 * validateAgainst(z.object({ startsAt: z.iso.datetime() }), { startsAt: '2027-01-31T09:00Z' });
 * // { ok: false, fields: [{ path: 'startsAt', expected: 'an ISO 8601 date-time with seconds, in UTC ("Z"), such as
 * //   "2027-01-31T09:00:00Z"', received: '"2027-01-31T09:00Z" (no seconds)' }] }
 */
export function validateAgainst<S extends z.ZodType>(schema: S, value: unknown): ValidationOutcome<z.output<S>> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };
  const ctx: Context = { root: schema, value, prefix: [], depth: 0, budget: { checks: MAX_EXAMPLE_CHECKS } };
  return { ok: false, fields: parsed.error.issues.flatMap((issue) => toFieldErrors(issue, ctx)) };
}

/**
 * One line per field, in the form the docs promise: `path: expected X, got Y`. Without `received` (for a tool's
 * malformed output, which the model cannot fix and need not see) the value is left out.
 */
export function formatFieldErrors(fields: FieldError[], opts: { received?: boolean } = {}): string {
  const received = opts.received ?? true;
  return fields.map((f) => `- ${f.path}: expected ${f.expected}${received ? `, got ${f.received}` : ''}`).join('\n');
}

/**
 * A short, bounded rendering of what the model sent: enough to see the mistake, never a 2 MB echo, never an
 * invisible difference (common/text.ts).
 */
export const describe = describeValue;

/** Each example costs one more parse of the whole value: at most this many per validation. */
const MAX_EXAMPLE_CHECKS = 24;
/** Unions inside unions: described this deep, then in zod's words. */
const MAX_UNION_DEPTH = 3;
/** The bound tests and the trace rely on: a received value and its note together. */
const MAX_RECEIVED = 100;
const MAX_EXPECTED_WORDS = 200;
const MAX_NOTE = 68;

/** Where an issue's path starts: the schema and value it is relative to (a union branch has its own). */
interface Context {
  root: z.core.$ZodType | undefined;
  value: unknown;
  prefix: readonly PropertyKey[];
  depth: number;
  budget: { checks: number };
}

function toFieldErrors(issue: z.core.$ZodIssue, ctx: Context): FieldError[] {
  const fullPath = [...ctx.prefix, ...issue.path];
  const path = formatPath(fullPath);
  const input = 'input' in issue ? issue.input : valueAt(ctx.value, issue.path);
  const candidates = () => (ctx.root ? schemasAt(ctx.root, issue.path) : []);
  switch (issue.code) {
    case 'invalid_type': {
      const wanted = issue.expected === 'string' ? formatWanted(ctx, issue.path, candidates()) : undefined;
      const expected = wanted ?? typeWords(issue.expected);
      if (input === undefined) return [{ path, expected: `${expected} (required)`, received: 'nothing' }];
      return [{ path, expected, received: describe(input) }];
    }
    case 'invalid_format': {
      const facts = issue as unknown as IssueFacts;
      const advice = formatAdvice(facts, formatCheck(candidates(), facts, input), input);
      const example = firstAccepted(ctx, issue.path, advice.examples);
      return [{ path, expected: withExample(advice.words, example), received: withNote(input, advice.problems) }];
    }
    case 'invalid_value': {
      const meant = firstAccepted(ctx, issue.path, nearValues(issue.values, input));
      return [{ path, expected: valuesWords(issue.values), received: withNote(input, meant === undefined ? [] : [`did you mean ${shownValue(meant)}?`]) }];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: formatPath([...fullPath, key]),
        expected: 'no such field (remove it)',
        received: describe(valueAt(input, [key])),
      }));
    case 'too_small':
    case 'too_big':
      return [{ path, expected: boundWords(issue, integersOnly(candidates())), received: withNote(input, sizeNote(issue, input)) }];
    case 'not_multiple_of':
      return [{ path, expected: `a multiple of ${issue.divisor}`, received: describe(input) }];
    case 'invalid_union':
      return [unionError(issue, ctx, candidates(), fullPath)];
    case 'invalid_key': {
      const record = candidates().find((s) => defOf(s)?.type === 'record');
      const keyCtx: Context = { ...ctx, root: defOf(record)?.keyType as z.core.$ZodType | undefined, value: input, prefix: fullPath, depth: ctx.depth + 1 };
      const inner = issue.issues.flatMap((i) => toFieldErrors(i, keyCtx));
      if (inner.length === 0) break;
      return inner.map((f) => ({ path, expected: `a key that is ${f.expected}`, received: f.received }));
    }
    default:
      break;
  }
  return [{ path, expected: lowerFirst(issue.message), received: describe(input) }];
}

/**
 * For a string field with a format (`z.iso.datetime()`) that was missing or not a string: the format's words, as
 * `a string` would leave the model to guess the rest. Only when the path leads to exactly one such format.
 */
function formatWanted(ctx: Context, path: readonly PropertyKey[], candidates: z.core.$ZodType[]): string | undefined {
  const formats = candidates.flatMap(checkDefsOf).filter((d) => d.check === 'string_format' && typeof d.format === 'string');
  const [only] = formats;
  if (!only || formats.length !== 1 || candidates.some((c) => defOf(c)?.type !== 'string')) return undefined;
  const advice = formatAdvice({ format: String(only.format), pattern: only.pattern instanceof RegExp ? String(only.pattern) : undefined }, only, undefined);
  return withExample(advice.words, firstAccepted(ctx, path, advice.examples));
}

/** The string-format check that raised an `invalid_format` issue: same format, same pattern, failing this value. */
function formatCheck(candidates: z.core.$ZodType[], issue: IssueFacts, input: unknown): SchemaDef | undefined {
  const matching = candidates
    .flatMap(checkDefsOf)
    .filter((d) => d.check === 'string_format' && d.format === issue.format)
    .filter((d) => issue.pattern === undefined || !(d.pattern instanceof RegExp) || String(d.pattern) === issue.pattern || issue.format === 'url');
  const failing = matching.find((d) => {
    if (!(d.pattern instanceof RegExp) || typeof input !== 'string') return false;
    d.pattern.lastIndex = 0;
    return !d.pattern.test(input);
  });
  return failing ?? matching[0];
}

/**
 * The first candidate the whole schema takes in place of the value at `path`: no issue at that path, under it or
 * above it (an object refinement, a union) remains. Certain, not guessed; undefined when none passes or the budget
 * of re-parses is spent.
 */
function firstAccepted<T>(ctx: Context, path: readonly PropertyKey[], candidates: readonly T[]): T | undefined {
  if (!ctx.root) return undefined;
  for (const candidate of candidates.slice(0, 3)) {
    if (ctx.budget.checks <= 0) return undefined;
    ctx.budget.checks -= 1;
    const replaced = replaceAt(ctx.value, path, candidate);
    if (!replaced.ok) return undefined;
    try {
      const parsed = z.safeParse(ctx.root, replaced.value);
      if (parsed.success || parsed.error?.issues.every((i) => !related(i.path, path))) return candidate;
    } catch {
      // An async refinement or a throwing transform: no certainty, so no example.
      return undefined;
    }
  }
  return undefined;
}

function related(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy of `root` with `path` set to `value`; only the containers on the path are copied. */
function replaceAt(root: unknown, path: readonly PropertyKey[], value: unknown): { ok: true; value: unknown } | { ok: false } {
  if (path.length === 0) return { ok: true, value };
  if (root === null || typeof root !== 'object') return { ok: false };
  const [key, ...rest] = path as [PropertyKey, ...PropertyKey[]];
  const inner = replaceAt((root as Record<PropertyKey, unknown>)[key], rest, value);
  if (!inner.ok) return inner;
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...root }) as Record<PropertyKey, unknown>;
  // defineProperty, not assignment: a key such as "__proto__" from JSON is a field, not the prototype.
  Object.defineProperty(copy, key, { value: inner.value, enumerable: true, writable: true, configurable: true });
  return { ok: true, value: copy };
}

function unionError(issue: z.core.$ZodIssueInvalidUnion, ctx: Context, candidates: z.core.$ZodType[], fullPath: PropertyKey[]): FieldError {
  const path = formatPath(fullPath);
  const input = 'input' in issue ? issue.input : valueAt(ctx.value, issue.path);
  if ('matches' in issue && issue.inclusive === false) {
    return { path, expected: `exactly one of the alternatives (it matched ${issue.matches.length} of them)`, received: describe(input) };
  }
  // A discriminated union whose discriminator matched no option: the path names the discriminator.
  if (issue.errors.length === 0 && Array.isArray(issue.options) && issue.options.length > 0) {
    const sent = valueAt(ctx.value, issue.path);
    const meant = firstAccepted(ctx, issue.path, nearValues(issue.options, sent));
    return { path, expected: valuesWords(issue.options), received: withNote(sent, meant === undefined ? [] : [`did you mean ${shownValue(meant)}?`]) };
  }
  if (ctx.depth >= MAX_UNION_DEPTH || issue.errors.length === 0) return { path, expected: lowerFirst(issue.message), received: describe(input) };
  const union = candidates.find((s) => {
    const def = defOf(s);
    return def?.type === 'union' && Array.isArray(def.options) && def.options.length === issue.errors.length;
  });
  const options = (defOf(union)?.options as z.core.$ZodType[] | undefined) ?? [];
  const branches = issue.errors.map((errors, i) =>
    errors.flatMap((e) => toFieldErrors(e, { root: options[i], value: input, prefix: [], depth: ctx.depth + 1, budget: ctx.budget })),
  );
  // Each alternative wants something of the value itself (`z.union([z.string(), z.number()])`): list them. An
  // alternative's example was checked against that alternative only; it stays if the whole schema takes it too.
  if (branches.every((b) => b.length === 1 && b[0]?.path === '(root)')) {
    const wants = [...new Set(branches.map((b) => b[0]?.expected ?? ''))].map((w) => {
      const example = EXAMPLE.exec(w)?.[1];
      return example === undefined || firstAccepted(ctx, issue.path, [JSON.parse(example) as unknown]) !== undefined ? w : w.replace(EXAMPLE, '');
    });
    return { path, expected: joinBounded(wants, ' or '), received: describe(input) };
  }
  // Objects that differ: what each alternative wants, without examples (each would be checked against a value the
  // other fields still spoil).
  const summary = branches.map((b, i) => `(${i + 1}) ${b.map((f) => (f.path === '(root)' ? '' : `${f.path}: `) + f.expected.replace(EXAMPLE, '')).join(', ')}`);
  return { path, expected: joinBounded(summary, '; ', `one of ${branches.length} alternatives: `), received: describe(input) };
}

/** The `, such as "..."` withExample appends. */
const EXAMPLE = /, such as ("(?:[^"\\]|\\.)*")/;

/** Whole parts while they fit in MAX_EXPECTED_WORDS, then `...`: never a cut inside a quoted value. */
function joinBounded(parts: readonly string[], sep: string, head = ''): string {
  let text = head;
  for (const [i, part] of parts.entries()) {
    const next = `${text}${i === 0 ? '' : sep}${part}`;
    if (next.length > MAX_EXPECTED_WORDS) return i === 0 ? clip(next.replace(EXAMPLE, ''), MAX_EXPECTED_WORDS) : `${text}${sep}...`;
    text = next;
  }
  return text;
}

function withExample(words: string, example: string | undefined): string {
  const bounded = clip(words, MAX_EXPECTED_WORDS);
  return example === undefined ? bounded : `${bounded}, such as ${JSON.stringify(example)}`;
}

/**
 * The value as `describe` shows it, with short notes on what is wrong with it: `"09:00" (no seconds, no time zone)`.
 * Notes that do not fit are dropped whole (`, ...`), never cut; value and notes stay within MAX_RECEIVED.
 */
function withNote(value: unknown, notes: readonly string[]): string {
  let note = '';
  for (const [i, n] of notes.entries()) {
    const next = note ? `${note}, ${n}` : n;
    if (next.length > MAX_NOTE - (i < notes.length - 1 ? 5 : 0)) {
      note = note ? `${note}, ...` : '';
      break;
    }
    note = next;
  }
  if (!note) return describe(value);
  return `${describe(value, Math.min(80, MAX_RECEIVED - note.length - 3))} (${note})`;
}

/** Options the value was almost certainly meant as: the same but for case or spaces, or a number sent as text. */
function nearValues(values: readonly unknown[], input: unknown): unknown[] {
  let near: unknown[] = [];
  if (typeof input === 'string') {
    const folded = input.trim().toLowerCase();
    near = values.filter((v) => v !== input && typeof v !== 'object' && String(v).toLowerCase() === folded);
  } else if (typeof input === 'number' || typeof input === 'boolean') {
    near = values.filter((v) => typeof v === 'string' && v === String(input));
  }
  return near.length === 1 ? near : [];
}

const MAX_LISTED_VALUES = 12;

function valuesWords(values: readonly unknown[]): string {
  if (values.length === 1) return shownValue(values[0]);
  const shown = values.slice(0, MAX_LISTED_VALUES).map(shownValue);
  const more = values.length > MAX_LISTED_VALUES ? `, ... (${values.length} in all)` : '';
  return clip(`one of ${shown.join(', ')}${more}`, MAX_EXPECTED_WORDS);
}

function shownValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}`;
  if (value === undefined) return 'undefined';
  return clip(JSON.stringify(value) ?? String(value), 60, { flatten: false });
}

function typeWords(type: string): string {
  return type === 'int' ? 'an integer' : article(type);
}

/** `a number greater than 0`, `a string of exactly 3 characters`, `at most 10 items`: the bound as a person would say it. */
function boundWords(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, integers: boolean): string {
  const small = issue.code === 'too_small';
  const bound = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  const inclusive = issue.inclusive !== false;
  const size = issue.exact ? 'exactly' : small ? 'at least' : 'at most';
  const relation = small ? (inclusive ? 'at least' : 'greater than') : inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'string':
      return `a string of ${size} ${plural(bound, 'character')}`;
    case 'array':
    case 'set':
      return `${size} ${plural(bound, 'item')}`;
    case 'number':
      return `${integers ? 'an integer' : 'a number'} ${relation} ${bound}`;
    case 'bigint':
      return `a number ${relation} ${bound}`;
    case 'int':
      return `an integer ${relation} ${bound}`;
    default:
      return lowerFirst(issue.message);
  }
}

/** Whether the number schemas at the path take integers only (`.int()`, `z.int32()`): the bound alone would not say so. */
function integersOnly(candidates: z.core.$ZodType[]): boolean {
  const numbers = candidates.filter((c) => defOf(c)?.type === 'number');
  return numbers.length > 0 && numbers.every((c) => checkDefsOf(c).some((d) => d.check === 'number_format' && /int/.test(String(d.format))));
}

/** How long the value was, measured as zod measures it (a string in code points). */
function sizeNote(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, input: unknown): string[] {
  if (issue.origin === 'string' && typeof input === 'string') return [plural([...input].length, 'character')];
  if ((issue.origin === 'array' || issue.origin === 'set') && Array.isArray(input)) return [plural(input.length, 'item')];
  return [];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

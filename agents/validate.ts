/**
 * Turns zod's issues into field errors a model can act on: the path, what was expected, what was received.
 * "That did not work" teaches a model nothing; `startsAt: expected an ISO 8601 date-time, got "next Tuesday 3pm"`
 * gets it right on the next try.
 */
import type { z } from 'zod';
import { describeValue } from '../common/text';
import type { FieldError } from '../common/trace';

const FORMAT_WORDS: Record<string, string> = {
  datetime: 'an ISO 8601 date-time such as "2026-03-14T15:00:00Z"',
  date: 'an ISO 8601 date such as "2026-03-14"',
  time: 'an ISO 8601 time such as "15:00:00"',
  duration: 'an ISO 8601 duration such as "P3D"',
  email: 'an email address',
  url: 'a URL',
  uuid: 'a UUID',
  regex: 'a string matching the pattern',
};

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

export function validateAgainst<S extends z.ZodType>(schema: S, value: unknown): ValidationOutcome<z.output<S>> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, fields: parsed.error.issues.flatMap((issue) => toFieldErrors(issue, value)) };
}

function toFieldErrors(issue: z.core.$ZodIssue, root: unknown): FieldError[] {
  const path = formatPath(issue.path);
  const input = 'input' in issue ? issue.input : valueAt(root, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return [{ path, expected: `${article(issue.expected)} (required)`, received: 'nothing' }];
      return [{ path, expected: article(issue.expected), received: describe(input) }];
    case 'invalid_format':
      return [{ path, expected: FORMAT_WORDS[issue.format] ?? `a ${issue.format} string`, received: describe(input) }];
    case 'invalid_value':
      return [{ path, expected: `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`, received: describe(input) }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        expected: 'no such field (remove it)',
        received: describe(valueAt(input, [key])),
      }));
    case 'too_small':
    case 'too_big':
      return [{ path, expected: boundWords(issue), received: describe(input) }];
    default:
      return [{ path, expected: lowerFirst(issue.message), received: describe(input) }];
  }
}

/**
 * One line per field, in the form the docs promise: `path: expected X, got Y`. Without `received` (for a tool's
 * malformed output, which the model cannot fix and need not see) the value is left out.
 */
export function formatFieldErrors(fields: FieldError[], opts: { received?: boolean } = {}): string {
  const received = opts.received ?? true;
  return fields.map((f) => `- ${f.path}: expected ${f.expected}${received ? `, got ${f.received}` : ''}`).join('\n');
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

/**
 * A short, bounded rendering of what the model sent: enough to see the mistake, never a 2 MB echo, never an
 * invisible difference (common/text.ts).
 */
export const describe = describeValue;

/** `a number greater than 0`, `at least 3 characters`, `at most 10 items`: the bound as a person would say it. */
function boundWords(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const bound = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  const inclusive = issue.inclusive !== false;
  const relation = small ? (inclusive ? 'at least' : 'greater than') : inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'string':
      return `a string of ${small ? 'at least' : 'at most'} ${bound} characters`;
    case 'array':
    case 'set':
      return `${small ? 'at least' : 'at most'} ${bound} items`;
    case 'number':
    case 'int':
    case 'bigint':
      return `a number ${relation} ${bound}`;
    default:
      return lowerFirst(issue.message);
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

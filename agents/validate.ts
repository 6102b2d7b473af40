/**
 * Turns zod's issues into field errors a model can act on: the path, what was expected, what was received.
 * "That did not work" teaches a model nothing; `startsAt: expected an ISO 8601 date-time, got "next Tuesday 3pm"`
 * gets it right on the next try.
 */
import type { z } from 'zod';
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
      return [{ path, expected: lowerFirst(issue.message.replace(/^Too (small|big): expected /, '')), received: describe(input) }];
    default:
      return [{ path, expected: lowerFirst(issue.message), received: describe(input) }];
  }
}

/** One line per field, in the form the docs promise: `path: expected X, got Y`. */
export function formatFieldErrors(fields: FieldError[]): string {
  return fields.map((f) => `- ${f.path}: expected ${f.expected}, got ${f.received}`).join('\n');
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

/** A short, bounded rendering of what the model sent: enough to see the mistake, never a 2 MB echo. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? String(value);
  const shown = json.length > 80 ? `${json.slice(0, 77)}...` : json;
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return kind === 'string' ? shown : `${kind} ${shown}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

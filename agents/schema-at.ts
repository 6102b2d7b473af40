/**
 * The schema behind a zod issue: zod's issues name a path and a constraint kind but not the schema or check that
 * raised them (`inst` is dropped when an issue is finalized), so the corrective message finds them again by
 * walking the schema along the issue's path. Read-only over zod 4's `_zod.def`; never parses.
 */
import type { z } from 'zod';

/** The loosely typed view of a zod 4 definition this module reads: `type` plus whatever that type carries. */
export type SchemaDef = Record<string, unknown> & { type?: string; check?: string; format?: string; checks?: unknown[] };

export function defOf(schema: unknown): SchemaDef | undefined {
  const def = (schema as { _zod?: { def?: unknown } } | null | undefined)?._zod?.def;
  return def !== null && typeof def === 'object' ? (def as SchemaDef) : undefined;
}

/** Wrappers whose issues are their inner schema's, at the same path. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch', 'success', 'promise']);

/** Bounds the walk: a recursive (lazy) schema or a wide union must not make an error message expensive. */
const MAX_CANDIDATES = 32;

/**
 * Every schema that may have raised an issue at `path`, wrappers removed: more than one where the path runs
 * through a union (zod reports the one branch that got furthest without saying which), a pipe (either side) or an
 * intersection. Empty when the path leaves the schema (an unknown key).
 *
 * @example
 * schemasAt(z.object({ when: z.iso.datetime().optional() }), ['when']); // [the ZodISODateTime]
 */
export function schemasAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): z.core.$ZodType[] {
  let level = expand(schema);
  for (const key of path) {
    const next: z.core.$ZodType[] = [];
    for (const candidate of level) {
      const child = childAt(candidate, key);
      if (defOf(child)) next.push(...expand(child as z.core.$ZodType));
      if (next.length >= MAX_CANDIDATES) break;
    }
    level = dedupe(next).slice(0, MAX_CANDIDATES);
    if (level.length === 0) return [];
  }
  return level;
}

/** The schema itself if it is a check (a string format such as `z.iso.datetime()`), then its attached checks. */
export function checkDefsOf(schema: z.core.$ZodType): SchemaDef[] {
  const def = defOf(schema);
  if (!def) return [];
  const own = typeof def.check === 'string' ? [def] : [];
  const attached = Array.isArray(def.checks) ? def.checks.map(defOf).filter((d): d is SchemaDef => d !== undefined) : [];
  return [...own, ...attached];
}

function expand(schema: z.core.$ZodType): z.core.$ZodType[] {
  const out: z.core.$ZodType[] = [];
  const seen = new Set<unknown>();
  const visit = (s: unknown): void => {
    if (out.length >= MAX_CANDIDATES || seen.has(s)) return;
    seen.add(s);
    const def = defOf(s);
    if (!def) return;
    if (def.type && WRAPPERS.has(def.type)) return visit(def.innerType);
    if (def.type === 'lazy') {
      const getter = def.getter;
      if (typeof getter !== 'function') return;
      let inner: unknown;
      try {
        inner = (getter as () => unknown)();
      } catch {
        return;
      }
      return visit(inner);
    }
    if (def.type === 'pipe') {
      visit(def.in);
      visit(def.out);
      return;
    }
    if (def.type === 'intersection') {
      visit(def.left);
      visit(def.right);
      return;
    }
    out.push(s as z.core.$ZodType);
    // A union is a candidate itself (for its own invalid_union issue) and through its branches (zod passes one
    // branch's issues up as they are when only that branch got past its type check).
    if (def.type === 'union' && Array.isArray(def.options)) for (const option of def.options) visit(option);
  };
  visit(schema);
  return out;
}

function childAt(schema: z.core.$ZodType, key: PropertyKey): unknown {
  const def = defOf(schema);
  switch (def?.type) {
    case 'object': {
      const shape = def.shape as Record<string, unknown> | undefined;
      if (shape && typeof key === 'string' && Object.prototype.hasOwnProperty.call(shape, key)) return shape[key];
      const catchall = defOf(def.catchall);
      return catchall && catchall.type !== 'never' ? def.catchall : undefined;
    }
    case 'array':
      return typeof key === 'number' ? def.element : undefined;
    case 'tuple': {
      if (typeof key !== 'number') return undefined;
      const items = Array.isArray(def.items) ? def.items : [];
      return key < items.length ? items[key] : (def.rest ?? undefined);
    }
    case 'record':
      return def.valueType;
    default:
      return undefined;
  }
}

function dedupe<T>(items: T[]): T[] {
  return [...new Set(items)];
}

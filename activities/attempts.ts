/**
 * What the earlier attempts of this activity came to, carried in heartbeat details. Temporal keeps only the last
 * attempt's failure in history; the details of the last heartbeat survive into the next attempt
 * (`activityInfo().heartbeatDetails`), so each attempt records its own failure there before it fails, and the one
 * that succeeds can say in its result how many attempts it took and why, without an event per attempt. An attempt
 * that left no record died with its worker (or timed out): the next one says so.
 */
import type { Context } from '@temporalio/activity';
import type { AttemptRecord, AttemptsSummary } from '../common/model';
import { isRecord } from '../common/values';

/** The key our records live under in the heartbeat details (a tool's own details go next to it, under `tool`). */
const KEY = 'durableAgentAttempts';
const KINDS: readonly AttemptRecord['kind'][] = ['rate_limited', 'overloaded', 'server_error', 'transport', 'failed', 'worker_lost'];
/** A recorded reason is a short line, not the whole failure: heartbeat details travel on every beat. */
const MAX_REASON_CHARS = 200;

export class AttemptTracker {
  readonly attempt: number;
  readonly records: AttemptRecord[];
  /** When the first rate-limited or overloaded attempt of this activity failed (the budget counts from it). */
  rateLimitedSinceMs: number | undefined;

  constructor(private readonly ctx: Pick<Context, 'info' | 'heartbeat'>) {
    this.attempt = ctx.info.attempt;
    const details: unknown = ctx.info.heartbeatDetails;
    const carried = isRecord(details) && isRecord(details[KEY]) ? details[KEY] : {};
    const recorded = (Array.isArray(carried.attempts) ? carried.attempts : []).filter(isAttemptRecord).filter((r) => r.attempt < this.attempt);
    this.records = [];
    for (let n = 1; n < this.attempt; n++) {
      this.records.push(recorded.find((r) => r.attempt === n) ?? { attempt: n, kind: 'worker_lost' });
    }
    this.rateLimitedSinceMs = typeof carried.rateLimitedSinceMs === 'number' ? carried.rateLimitedSinceMs : undefined;
  }

  /** What to heartbeat: our records, and the tool's own details when it gave any. */
  details(tool?: unknown): Record<string, unknown> {
    const ours = { attempts: this.records, ...(this.rateLimitedSinceMs !== undefined ? { rateLimitedSinceMs: this.rateLimitedSinceMs } : {}) };
    return { [KEY]: ours, ...(tool !== undefined ? { tool } : {}) };
  }

  /** Records why this attempt failed and heartbeats it, so the next attempt reads it. Call just before throwing. */
  fail(record: Omit<AttemptRecord, 'attempt'>, tool?: unknown): void {
    const reason = record.reason && record.reason.length > MAX_REASON_CHARS ? `${record.reason.slice(0, MAX_REASON_CHARS - 1)}…` : record.reason;
    this.records.push({ ...record, attempt: this.attempt, ...(reason !== undefined ? { reason } : {}) });
    this.ctx.heartbeat(this.details(tool));
  }

  /** The attempts so far, this one included; `undefined` on a first attempt that has nothing to add. */
  summary(): AttemptsSummary | undefined {
    const count = Math.max(this.attempt, this.records.length);
    if (count <= 1 && this.records.length === 0) return undefined;
    return { count, reasons: this.records, waitedMs: this.records.reduce((sum, r) => sum + (r.waitMs ?? 0), 0) };
  }
}

function isAttemptRecord(value: unknown): value is AttemptRecord {
  return isRecord(value) && Number.isInteger(value.attempt) && KINDS.includes(value.kind as AttemptRecord['kind']);
}

/**
 * Classifies the Messages API's errors into Temporal failures. Exactly one layer owns retries: Temporal. The SDK
 * runs with `maxRetries: 0`, and this decides what Temporal may retry (429, 5xx, 529 overloaded, timeouts,
 * dropped connections) and what it must not (every other 4xx: retrying a bad request only burns the budget; a
 * spend limit: money does not come back by retrying), and how long the next attempt waits.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, type RetryPolicy } from '@temporalio/common';
import { MODEL_RETRY_DEFAULTS } from '../common/defaults';
import { MODEL_ERROR_TYPES } from '../common/failures';
import type { AttemptRecord } from '../common/model';
import { scrubCredentials } from '../common/redact';
import type { AttemptTracker } from './attempts';

/** Longest wait we honour from a `retry-after` header; a longer one is cut to this (the retry may meet it again). */
export const MAX_RETRY_AFTER_MS = 5 * 60 * 1000;
/** Extra wait on top of `retry-after`, at most this fraction of it, so clients told the same time do not return together. */
export const RETRY_AFTER_JITTER = 0.1;

/** The model activity's default policy (common/defaults.ts) is used when the worker is not told the real one. */
const DEFAULT_BACKOFF = MODEL_RETRY_DEFAULTS;

/**
 * Spend and billing limits, as the real API words them. All are "the account cannot pay", not "too many requests":
 * - `402 billing_error` (and any error of type `billing_error`);
 * - `400 invalid_request_error` "Your credit balance is too low to access the Anthropic API. ...";
 * - `400 invalid_request_error` "You have reached your specified (workspace) API usage limits. You will regain
 *   access on ...";
 * - `429 rate_limit_error` "This request would exceed your account's monthly spend limit. ..." (with a long
 *   `retry-after`).
 */
const SPEND_LIMIT_MESSAGE = /credit balance|spend(ing)? limit|api usage limits/i;

/** Where the failed attempt stands: its number (from 1) and the activity's retry policy, as the worker reports them. */
export interface AttemptContext {
  attempt: number;
  policy?: RetryPolicy;
  /** For tests: a source of randomness in [0, 1). */
  random?: () => number;
}

export function classifyModelError(err: unknown, at?: AttemptContext): ApplicationFailure {
  const backoff = at ? jitteredBackoffMs(at.attempt, at.policy, at.random) : undefined;
  if (err instanceof Anthropic.APIConnectionError) {
    // Includes APIConnectionTimeoutError: a reset, refused or stalled connection is worth another attempt.
    return retryable(`model request failed in transport: ${describe(err)}`, MODEL_ERROR_TYPES.transport, backoff);
  }
  if (err instanceof Anthropic.APIError && typeof err.status === 'number') {
    const status = err.status;
    const type = apiErrorType(err);
    const message = apiErrorMessage(err);
    const detail = `${status} ${type}: ${message}`;
    if (isSpendLimit(status, type, message)) {
      return nonRetryable(`model spend limit reached (${detail})`, MODEL_ERROR_TYPES.spendLimit);
    }
    if (status === 429) {
      const wait = retryAfterMs(err.headers, at?.random);
      return retryable(`model rate limited (${detail})`, MODEL_ERROR_TYPES.rateLimited, wait ?? backoff);
    }
    // The API's overload is 529 `overloaded_error`; the type alone counts too (a proxy may change the status).
    if (status === 529 || type === 'overloaded_error') {
      const wait = retryAfterMs(err.headers, at?.random);
      return retryable(`model overloaded (${detail})`, MODEL_ERROR_TYPES.overloaded, wait ?? backoff);
    }
    if (status >= 500 || status === 408 || status === 409) {
      return retryable(`model server error (${detail})`, MODEL_ERROR_TYPES.serverError, backoff);
    }
    const failureType = status === 401 || status === 403 ? MODEL_ERROR_TYPES.auth : MODEL_ERROR_TYPES.badRequest;
    return nonRetryable(`model request rejected (${detail})`, failureType);
  }
  // By name, not instanceof: the body is parsed by fetch's own realm, whose SyntaxError may not be this one.
  if (errorLike(err) && err.name === 'SyntaxError') {
    // A garbled body: the request may well succeed next time.
    return retryable(`model response unreadable: ${err.message}`, MODEL_ERROR_TYPES.transport, backoff);
  }
  if (errorLike(err) && err.message === 'terminated') {
    // fetch's word for a body cut off mid-read: the connection closed before the promised length arrived.
    return retryable(`model response cut off: ${describe(err)}`, MODEL_ERROR_TYPES.transport, backoff);
  }
  // What is left is the transport too (or a fault of ours, which retrying will show again, then escalate).
  return retryable(`model call failed: ${describe(err)}`, MODEL_ERROR_TYPES.transport, backoff);
}

export function isSpendLimit(status: number, type: string, message: string): boolean {
  if (status === 402 || type === 'billing_error') return true;
  return (status === 400 || status === 429) && SPEND_LIMIT_MESSAGE.test(message);
}

/**
 * Temporal's retry policy has no jitter: every run that failed together would retry together. So each retryable
 * failure names its own delay: the policy's interval for this attempt (initial × coefficient^(attempt−1), capped at
 * the maximum), scaled by a random factor in [0.5, 1) ("equal jitter": never more than the policy's interval,
 * never less than half of it).
 */
export function jitteredBackoffMs(attempt: number, policy?: RetryPolicy, random: () => number = Math.random): number {
  const initial = asMs(policy?.initialInterval) ?? DEFAULT_BACKOFF.initialIntervalMs;
  const coefficient = policy?.backoffCoefficient ?? DEFAULT_BACKOFF.backoffCoefficient;
  const maximum = asMs(policy?.maximumInterval) ?? Math.max(initial, DEFAULT_BACKOFF.maximumIntervalMs);
  const interval = Math.min(maximum, initial * coefficient ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(interval * (0.5 + random() / 2)));
}

/*
 * Every message is scrubbed of keys and echoed credentials: it is the other side's text (an upstream or a proxy may
 * repeat the Authorization header it was sent), and a failure's message goes into history and the run's result.
 */
function retryable(message: string, type: string, nextRetryDelayMs: number | undefined): ApplicationFailure {
  return ApplicationFailure.create({ message: scrubCredentials(message), type, nonRetryable: false, nextRetryDelay: nextRetryDelayMs });
}

function nonRetryable(message: string, type: string): ApplicationFailure {
  return ApplicationFailure.create({ message: scrubCredentials(message), type, nonRetryable: true });
}

/** The worker reports intervals in milliseconds; anything else falls back to the defaults. */
function asMs(value: RetryPolicy['initialInterval']): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function errorLike(err: unknown): err is { name: string; message: string; cause?: unknown } {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string' && typeof (err as Error).name === 'string';
}

function describe(err: unknown): string {
  if (!errorLike(err)) return String(err);
  const cause = errorLike(err.cause) ? err.cause.message : undefined;
  return cause && !err.message.includes(cause) ? `${err.message} (${cause})` : err.message;
}

function apiErrorType(err: InstanceType<typeof Anthropic.APIError>): string {
  const body = err.error as { error?: { type?: string } } | undefined;
  return body?.error?.type ?? 'error';
}

function apiErrorMessage(err: InstanceType<typeof Anthropic.APIError>): string {
  const body = err.error as { error?: { message?: string } } | undefined;
  return body?.error?.message ?? err.message;
}

/**
 * How long the API asks us to wait: `retry-after-ms` (milliseconds, the Anthropic SDK's own header) when present,
 * else `retry-after` (seconds, or an HTTP date). The next attempt waits at least that long, plus up to 10 % jitter,
 * and at most MAX_RETRY_AFTER_MS. `undefined` when neither is usable (absent, negative, not a number or a date).
 *
 * @example
 * retryAfterMs(new Headers({ 'retry-after': '2' }), () => 0); // 2000
 * retryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), () => 0); // 1500
 */
export function retryAfterMs(headers: Headers | undefined, random: () => number = Math.random): number | undefined {
  const ms = headerMs(headers?.get('retry-after-ms'), 1) ?? retryAfterHeaderMs(headers?.get('retry-after'));
  if (ms === undefined) return undefined;
  return Math.min(Math.ceil(ms * (1 + RETRY_AFTER_JITTER * random())), MAX_RETRY_AFTER_MS);
}

function retryAfterHeaderMs(value: string | null | undefined): number | undefined {
  const seconds = headerMs(value, 1000);
  if (seconds !== undefined || !value) return seconds;
  const ms = Date.parse(value) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** A header holding a non-negative number, scaled to ms; `undefined` when absent or not a number. 0 is no wait asked. */
function headerMs(value: string | null | undefined, scale: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n * scale : undefined;
}

/** Failure types that are the API's normal weather: retried for a time budget, not a count. */
export const RATE_LIMIT_TYPES: readonly string[] = [MODEL_ERROR_TYPES.rateLimited, MODEL_ERROR_TYPES.overloaded];

/** How the model activity bounds its own retries (ModelCallInput.retry). */
export interface RetryBounds {
  rateLimitBudgetMs: number;
  maximumAttempts: number;
}

/**
 * Decides whether a classified failure may be retried once more, and records the attempt. Rate limits and
 * overload are retried while the time since the first of them, plus the wait they ask for now, stays within the
 * budget; every other retryable failure (and every attempt that ended without a record: a lost worker, a timeout)
 * counts toward `maximumAttempts`. When the budget or the count is spent the failure becomes non-retryable, with
 * the attempts in its details, so the run escalates (`model_unavailable`) saying how many and why.
 */
export function boundedFailure(
  failure: ApplicationFailure,
  bounds: RetryBounds,
  tracker: AttemptTracker,
  now: number = Date.now(),
): ApplicationFailure {
  const kind = attemptKind(failure.type);
  const waitMs = typeof failure.nextRetryDelay === 'number' ? failure.nextRetryDelay : undefined;
  if (failure.nonRetryable) {
    tracker.fail({ kind, reason: failure.message });
    return withAttempts(failure, failure.message, tracker);
  }
  if (kind === 'rate_limited' || kind === 'overloaded') {
    const since = tracker.rateLimitedSinceMs ?? now;
    const elapsed = now - since;
    tracker.rateLimitedSinceMs = since;
    if (elapsed + (waitMs ?? 0) > bounds.rateLimitBudgetMs) {
      tracker.fail({ kind, reason: failure.message });
      const spent = `${failure.message}; ${kind === 'overloaded' ? 'overloaded' : 'rate limited'} for ${seconds(elapsed)}, and the next wait (${seconds(waitMs ?? 0)}) would pass the step's rate-limit budget of ${seconds(bounds.rateLimitBudgetMs)}`;
      return withAttempts(failure, spent, tracker);
    }
    tracker.fail({ kind, reason: failure.message, ...(waitMs !== undefined ? { waitMs } : {}) });
    return failure;
  }
  const counted = tracker.records.filter((r) => !RATE_LIMIT_KINDS.includes(r.kind)).length + 1;
  if (counted >= bounds.maximumAttempts) {
    tracker.fail({ kind, reason: failure.message });
    return withAttempts(failure, failure.message, tracker);
  }
  tracker.fail({ kind, reason: failure.message, ...(waitMs !== undefined ? { waitMs } : {}) });
  return failure;
}

/**
 * Before an attempt sends anything: earlier attempts that left no record (lost workers, timeouts) count toward
 * `maximumAttempts` like other failures. When they alone spent it, the step gives up now, non-retryable.
 */
export function attemptsAlreadySpent(bounds: RetryBounds, tracker: AttemptTracker): ApplicationFailure | undefined {
  const counted = tracker.records.filter((r) => !RATE_LIMIT_KINDS.includes(r.kind)).length;
  if (counted < bounds.maximumAttempts) return undefined;
  const failure = ApplicationFailure.create({
    message: `model step gave up: ${counted} earlier attempts failed or ended without an answer (a lost worker or a timeout)`,
    type: MODEL_ERROR_TYPES.transport,
    nonRetryable: true,
    details: [tracker.summary()],
  });
  return failure;
}

const RATE_LIMIT_KINDS: readonly AttemptRecord['kind'][] = ['rate_limited', 'overloaded'];

function attemptKind(type: string | undefined | null): AttemptRecord['kind'] {
  switch (type) {
    case MODEL_ERROR_TYPES.rateLimited:
      return 'rate_limited';
    case MODEL_ERROR_TYPES.overloaded:
      return 'overloaded';
    case MODEL_ERROR_TYPES.serverError:
      return 'server_error';
    case MODEL_ERROR_TYPES.transport:
      return 'transport';
    default:
      return 'failed';
  }
}

function withAttempts(failure: ApplicationFailure, message: string, tracker: AttemptTracker): ApplicationFailure {
  return ApplicationFailure.create({ message, type: failure.type ?? undefined, nonRetryable: true, details: [tracker.summary()] });
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

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
import { scrubCredentials } from '../common/redact';

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
    if (status === 529) return retryable(`model overloaded (${detail})`, MODEL_ERROR_TYPES.overloaded, backoff);
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
 * `retry-after` is seconds (or an HTTP date). The next attempt waits at least that long, plus up to 10 % jitter,
 * and at most MAX_RETRY_AFTER_MS.
 */
export function retryAfterMs(headers: Headers | undefined, random: () => number = Math.random): number | undefined {
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.min(Math.ceil(ms * (1 + RETRY_AFTER_JITTER * random())), MAX_RETRY_AFTER_MS);
}

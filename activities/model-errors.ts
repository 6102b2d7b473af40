/**
 * Classifies the Messages API's errors into Temporal failures. Exactly one layer owns retries: Temporal. The SDK
 * runs with `maxRetries: 0`, and this decides what Temporal may retry (429, 5xx, 529 overloaded, timeouts,
 * dropped connections) and what it must not (every other 4xx: retrying a bad request only burns the budget).
 */
import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, type Duration } from '@temporalio/common';
import { MODEL_ERROR_TYPES } from '../common/failures';

/** Longest wait we honour from a `retry-after` header; past it Temporal's own backoff takes over. */
const MAX_RETRY_AFTER_MS = 5 * 60 * 1000;

export function classifyModelError(err: unknown): ApplicationFailure {
  if (err instanceof Anthropic.APIConnectionError) {
    // Includes APIConnectionTimeoutError: a reset, refused or stalled connection is worth another attempt.
    return ApplicationFailure.retryable(`model request failed in transport: ${err.message}`, MODEL_ERROR_TYPES.transport);
  }
  if (err instanceof Anthropic.APIError && typeof err.status === 'number') {
    const status = err.status;
    const detail = `${status} ${apiErrorType(err)}: ${apiErrorMessage(err)}`;
    if (status === 429) {
      return ApplicationFailure.create({
        message: `model rate limited (${detail})`,
        type: MODEL_ERROR_TYPES.rateLimited,
        nextRetryDelay: retryAfter(err.headers),
      });
    }
    if (status === 529) return ApplicationFailure.retryable(`model overloaded (${detail})`, MODEL_ERROR_TYPES.overloaded);
    if (status >= 500 || status === 408 || status === 409) {
      return ApplicationFailure.retryable(`model server error (${detail})`, MODEL_ERROR_TYPES.serverError);
    }
    const type = status === 401 || status === 403 ? MODEL_ERROR_TYPES.auth : MODEL_ERROR_TYPES.badRequest;
    return ApplicationFailure.nonRetryable(`model request rejected (${detail})`, type);
  }
  if (err instanceof SyntaxError) {
    // A truncated or garbled body: the request may well succeed next time.
    return ApplicationFailure.retryable(`model response unreadable: ${err.message}`, MODEL_ERROR_TYPES.transport);
  }
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.retryable(`model call failed: ${message}`, MODEL_ERROR_TYPES.transport);
}

function apiErrorType(err: InstanceType<typeof Anthropic.APIError>): string {
  const body = err.error as { error?: { type?: string } } | undefined;
  return body?.error?.type ?? 'error';
}

function apiErrorMessage(err: InstanceType<typeof Anthropic.APIError>): string {
  const body = err.error as { error?: { message?: string } } | undefined;
  return body?.error?.message ?? err.message;
}

/** `retry-after` is seconds (or an HTTP date); Temporal waits that long before the next attempt. */
function retryAfter(headers: Headers | undefined): Duration | undefined {
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

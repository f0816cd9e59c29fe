import type { RetryPolicy } from "../config/gateway-config.js";
import { ErrorCode, type ErrorDetail, errorDetail } from "../errors/hermes-error.js";
import { MessageStatus } from "../gen/hermes/v1/message_pb.js";

/** What to do after a failed attempt: try again after a delay, or finish the message. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly status: MessageStatus; readonly error: ErrorDetail };

/**
 * The retry rule, for every route. A retryable failure is tried again while
 * attempts remain and the message is still valid, after the longer of the
 * provider's Retry-After and an exponential backoff (initial × 2^(attempt-1),
 * capped, with ±20 % jitter so retries do not arrive in waves). A permanent
 * failure fails the message with its own error; a retryable one that runs
 * out of attempts fails with RETRIES_EXHAUSTED; one that outlived its
 * validity expires.
 */
export function decideRetry(
  policy: RetryPolicy,
  attempt: number,
  error: ErrorDetail,
  now: number,
  expiresAt: number,
  random: () => number = Math.random,
): RetryDecision {
  if (!error.retryable) return { retry: false, status: MessageStatus.FAILED, error };
  if (now >= expiresAt) {
    return {
      retry: false,
      status: MessageStatus.EXPIRED,
      error: errorDetail(
        ErrorCode.EXPIRED,
        `the message outlived its validity period after ${attempt} attempts: ${error.message}`,
        { providerCode: error.providerCode, retryable: false },
      ),
    };
  }
  if (attempt >= policy.maxAttempts) {
    return {
      retry: false,
      status: MessageStatus.FAILED,
      error: errorDetail(
        ErrorCode.RETRIES_EXHAUSTED,
        `gave up after ${attempt} attempts: ${error.message}`,
        { providerCode: error.providerCode, retryable: false },
      ),
    };
  }
  return { retry: true, delayMs: Math.max(error.retryAfterMs, backoff(policy, attempt, random)) };
}

/** The backoff before attempt `attempt + 1`. */
export function backoff(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + random() * 0.4));
}

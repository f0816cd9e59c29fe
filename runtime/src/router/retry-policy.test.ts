import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode, errorDetail } from "../errors/hermes-error.js";
import { MessageStatus } from "../gen/hermes/v1/message_pb.js";
import { backoff, decideRetry } from "./retry-policy.js";

const policy = { maxAttempts: 4, initialBackoffMs: 1000, maxBackoffMs: 5000 };
const temporary = errorDetail(ErrorCode.PROVIDER_UNAVAILABLE, "503", {
  retryable: true,
  providerCode: "503",
});
const permanent = errorDetail(ErrorCode.INVALID_RECIPIENT, "no such number", { retryable: false });
const never = Number.MAX_SAFE_INTEGER;
const middle = () => 0.5;

test("a retryable failure is retried with exponential backoff, capped", () => {
  assert.deepEqual(decideRetry(policy, 1, temporary, 0, never, middle), {
    retry: true,
    delayMs: 1000,
  });
  assert.deepEqual(decideRetry(policy, 2, temporary, 0, never, middle), {
    retry: true,
    delayMs: 2000,
  });
  assert.deepEqual(decideRetry(policy, 3, temporary, 0, never, middle), {
    retry: true,
    delayMs: 4000,
  });
  assert.equal(backoff(policy, 10, middle), 5000);
});

test("jitter stays within ±20 % of the backoff", () => {
  assert.equal(
    backoff(policy, 1, () => 0),
    800,
  );
  assert.equal(
    backoff(policy, 1, () => 0.999999),
    1200,
  );
});

test("the provider's Retry-After wins when it is longer", () => {
  const asked = { ...temporary, retryAfterMs: 30_000 };
  assert.deepEqual(decideRetry(policy, 1, asked, 0, never, middle), {
    retry: true,
    delayMs: 30_000,
  });
});

test("a permanent failure fails with its own error", () => {
  const decision = decideRetry(policy, 1, permanent, 0, never, middle);
  assert.deepEqual(decision, { retry: false, status: MessageStatus.FAILED, error: permanent });
});

test("retries exhausted fail the message and keep the provider's code", () => {
  const decision = decideRetry(policy, 4, temporary, 0, never, middle);
  assert.equal(decision.retry, false);
  if (decision.retry) return;
  assert.equal(decision.status, MessageStatus.FAILED);
  assert.equal(decision.error.code, ErrorCode.RETRIES_EXHAUSTED);
  assert.equal(decision.error.providerCode, "503");
  assert.match(decision.error.message, /gave up after 4 attempts: 503/);
  assert.equal(decision.error.retryable, false);
});

test("a message past its validity expires instead of being retried", () => {
  const decision = decideRetry(policy, 1, temporary, 2000, 1000, middle);
  assert.equal(decision.retry, false);
  if (decision.retry) return;
  assert.equal(decision.status, MessageStatus.EXPIRED);
  assert.equal(decision.error.code, ErrorCode.EXPIRED);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode } from "../gen/hermes/v1/error_pb.js";
import { MessageStatus } from "../gen/hermes/v1/message_pb.js";
import {
  begin,
  type CascadeProgress,
  cancelled,
  dueStep,
  hasNext,
  stepFinished,
  stepStarted,
  stepTimedOut,
} from "./cascade-rules.js";

const fresh = (...states: Array<"pending" | "skipped">): CascadeProgress => ({
  startAt: 0,
  done: false,
  steps: states.map((state) => (state === "skipped" ? { state, error: noAddress } : { state })),
});
const noAddress = { code: ErrorCode.INVALID_ARGUMENT, message: "no address for EMAIL" };
const undeliv = { code: ErrorCode.PROVIDER_REJECTED, message: "UNDELIV" };
const states = (p: CascadeProgress) => p.steps.map((s) => s.state);
const { DELIVERED, FAILED, EXPIRED, REJECTED } = MessageStatus;

test("a failed step moves on to the next; a delivered one decides and cancels the rest", () => {
  let p = fresh("pending", "pending", "pending");
  assert.deepEqual(begin(p).actions, [{ type: "start", step: 0, reason: "the cascade started" }]);
  p = stepStarted(p, 0, "m1", undefined);
  const failed = stepFinished(p, 0, FAILED, undeliv);
  assert.deepEqual(failed.actions, [{ type: "start", step: 1, reason: "step 1 ended FAILED" }]);
  p = stepStarted(failed.progress, 1, "m2", undefined);
  const delivered = stepFinished(p, 1, DELIVERED, undefined);
  assert.deepEqual(delivered.actions, [{ type: "finish", status: DELIVERED, step: 1 }]);
  assert.deepEqual(states(delivered.progress), ["failed", "delivered", "cancelled"]);
  assert.equal(delivered.progress.done, true);
  assert.deepEqual(delivered.progress.steps[0], {
    state: "failed",
    messageId: "m1",
    status: FAILED,
    error: undeliv,
    deadlineAt: undefined,
  });
});

test("the last step's failure decides the cascade with its status and error", () => {
  let p = stepStarted(fresh("pending", "pending"), 0, "m1", undefined);
  p = stepStarted(stepFinished(p, 0, FAILED, undeliv).progress, 1, "m2", undefined);
  const expired = { code: ErrorCode.EXPIRED, message: "outlived its validity" };
  const last = stepFinished(p, 1, EXPIRED, expired);
  assert.deepEqual(last.actions, [{ type: "finish", status: EXPIRED, error: expired, step: 1 }]);
  assert.equal(last.progress.done, true);
});

test("skipped steps are passed over", () => {
  const p = fresh("skipped", "pending", "skipped");
  assert.deepEqual(begin(p).actions, [{ type: "start", step: 1, reason: "the cascade started" }]);
  const running = stepStarted(p, 1, "m2", undefined);
  assert.equal(hasNext(running, 1), false, "no step after it to take over: no timeout");
  assert.deepEqual(stepFinished(running, 1, REJECTED, undeliv).actions, [
    { type: "finish", status: REJECTED, error: undeliv, step: 1 },
  ]);
});

test("a step out of time is cancelled if it has not left and the next one starts; its late failure starts nothing", () => {
  let p = stepStarted(fresh("pending", "pending", "pending"), 0, "m1", 1000);
  assert.equal(dueStep(p, 999), -1);
  assert.equal(dueStep(p, 1000), 0);
  const out = stepTimedOut(p, 0);
  assert.deepEqual(out.actions, [
    { type: "cancel", messageId: "m1" },
    { type: "start", step: 1, reason: "step 1 was not delivered in time" },
  ]);
  p = stepStarted(out.progress, 1, "m2", undefined);
  const late = stepFinished(p, 0, FAILED, undeliv);
  assert.deepEqual(late.actions, [], "a late failure starts nothing");
  assert.deepEqual(states(late.progress), ["timed_out", "running", "pending"]);
  assert.equal(late.progress.steps[0]!.status, FAILED, "but is recorded");
  assert.deepEqual(stepTimedOut(late.progress, 0).actions, [], "nor does a second timeout");
});

test("a timed-out step delivered late decides the cascade and stops the step after it", () => {
  let p = stepStarted(fresh("pending", "pending", "pending"), 0, "m1", 1000);
  p = stepStarted(stepTimedOut(p, 0).progress, 1, "m2", 5000);
  const late = stepFinished(p, 0, DELIVERED, undefined);
  assert.deepEqual(late.actions, [
    { type: "cancel", messageId: "m2" },
    { type: "finish", status: DELIVERED, step: 0 },
  ]);
  assert.deepEqual(states(late.progress), ["timed_out", "running", "cancelled"]);
  const after = stepFinished(late.progress, 1, REJECTED, {
    code: ErrorCode.CANCELLED,
    message: "cancelled",
  });
  assert.deepEqual(after.actions, [], "once decided, outcomes are only recorded");
  assert.equal(after.progress.steps[1]!.state, "cancelled");
});

test("with no step left, the cascade waits for a timed-out step that may still be delivered", () => {
  let p = stepStarted(fresh("pending", "pending"), 0, "m1", 1000);
  p = stepStarted(stepTimedOut(p, 0).progress, 1, "m2", undefined);
  assert.deepEqual(stepTimedOut(p, 1).actions, [], "the last step's timeout is not used");
  const lastFailed = stepFinished(p, 1, FAILED, undeliv);
  assert.deepEqual(lastFailed.actions, [], "step 1 may still be delivered");
  assert.equal(lastFailed.progress.done, false);
  const firstFailed = stepFinished(lastFailed.progress, 0, EXPIRED, {
    code: ErrorCode.EXPIRED,
    message: "x",
  });
  assert.deepEqual(firstFailed.actions, [
    { type: "finish", status: FAILED, error: undeliv, step: 1 },
  ]);
});

test("a cancelled cascade cancels its pending steps and the messages on their way", () => {
  let p = stepStarted(fresh("pending", "pending", "pending"), 0, "m1", 1000);
  p = stepStarted(stepTimedOut(p, 0).progress, 1, "m2", undefined);
  const stop = cancelled(p);
  assert.deepEqual(stop.actions, [
    { type: "cancel", messageId: "m1" },
    { type: "cancel", messageId: "m2" },
  ]);
  assert.deepEqual(states(stop.progress), ["timed_out", "running", "cancelled"]);
  assert.equal(stop.progress.done, true);
  assert.deepEqual(begin(stop.progress).actions, []);
});

test("a step whose message is cancelled is CANCELLED, and the cascade moves on", () => {
  const p = stepStarted(fresh("pending", "pending"), 0, "m1", undefined);
  const next = stepFinished(p, 0, REJECTED, { code: ErrorCode.CANCELLED, message: "cancelled" });
  assert.equal(next.progress.steps[0]!.state, "cancelled");
  assert.deepEqual(next.actions, [{ type: "start", step: 1, reason: "step 1 ended REJECTED" }]);
});

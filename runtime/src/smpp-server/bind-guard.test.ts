import { test } from "node:test";
import assert from "node:assert/strict";
import { BindGuard } from "./bind-guard.js";

const options = {
  failedBindDelayMs: 100,
  maxFailedBindDelayMs: 1000,
  maxConnectionsPerAddress: 2,
  bindsPerSecondPerAddress: 2,
};

test("failed binds from one address wait longer each time, up to the ceiling; a success forgives", () => {
  let now = 0;
  const guard = new BindGuard(options, () => now);
  assert.deepEqual(
    [1, 2, 3, 4, 5].map(() => guard.failed("10.0.0.1")),
    [100, 200, 400, 800, 1000],
  );
  assert.equal(guard.failed("10.0.0.2"), 100); // another address is not slowed
  guard.succeeded("10.0.0.1");
  assert.equal(guard.failed("10.0.0.1"), 100);
  now += 11 * 60_000; // failures long ago are forgotten
  guard.failed("10.0.0.2");
  assert.equal(guard.failed("10.0.0.2"), 200);
});

test("connections per address are capped, and their state goes with them", () => {
  const guard = new BindGuard(options);
  assert.equal(guard.connected("a"), true);
  assert.equal(guard.connected("a"), true);
  assert.equal(guard.connected("a"), false);
  assert.equal(guard.connected("b"), true);
  guard.disconnected("a");
  assert.equal(guard.connected("a"), true);
  for (const address of ["a", "a", "b"]) guard.disconnected(address);
  assert.equal(guard.tracked, 0);
});

test("bind attempts: a burst of twice the rate, then the rate", () => {
  let now = 0;
  const guard = new BindGuard(options, () => now);
  const attempts = () => Array.from({ length: 6 }, () => guard.bindAttempt("a"));
  assert.deepEqual(attempts(), [true, true, true, true, false, false]);
  now += 500;
  assert.deepEqual(attempts(), [true, false, false, false, false, false]);
});

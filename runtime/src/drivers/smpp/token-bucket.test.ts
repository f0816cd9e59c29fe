import { test } from "node:test";
import assert from "node:assert/strict";
import { TokenBucket } from "./token-bucket.js";

function clock() {
  const c = { now: 0, fn: () => c.now };
  return c;
}

test("a capped bucket gives `burst` at once, then `rate` per second", () => {
  const c = clock();
  const bucket = new TokenBucket(10, 2, 1000, c.fn);
  assert.ok(bucket.take());
  assert.ok(bucket.take());
  assert.equal(bucket.take(), false);
  assert.equal(bucket.waitMs(), 100);
  c.now += 100;
  assert.ok(bucket.take());
  assert.equal(bucket.take(), false);
});

test("a throttle pauses and halves the rate once per pause, then the rate recovers", () => {
  const c = clock();
  const bucket = new TokenBucket(100, 10, 500, c.fn);
  bucket.throttle();
  bucket.throttle(); // same window of answers: no second halving
  assert.equal(bucket.effectiveRate, 50);
  assert.equal(bucket.take(), false);
  assert.equal(bucket.waitMs(), 500);
  c.now += 500;
  assert.ok(bucket.take());
  c.now += 3000;
  bucket.take();
  assert.ok(bucket.effectiveRate > 50 && bucket.effectiveRate <= 100);
  c.now += 10_000;
  bucket.take();
  assert.equal(bucket.effectiveRate, 100, "back to the cap, never above");
});

test("an uncapped bucket backs off from the rate it achieved and later stops limiting", () => {
  const c = clock();
  const bucket = new TokenBucket(0, 1, 100, c.fn);
  for (let i = 0; i < 400; i++) assert.ok(bucket.take());
  c.now += 1000;
  bucket.take();
  bucket.throttle();
  assert.equal(bucket.effectiveRate, 200);
  c.now += 20_000;
  bucket.take();
  assert.equal(bucket.effectiveRate, Infinity);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTraceparent, parseTraceparent } from "./traceparent.js";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const spanId = "00f067aa0ba902b7";

test("a valid traceparent is read, and written back the same", () => {
  const value = `00-${traceId}-${spanId}-01`;
  assert.deepEqual(parseTraceparent(value), { traceId, spanId, flags: 1 });
  assert.equal(formatTraceparent(parseTraceparent(value)!), value);
  assert.equal(parseTraceparent(` 00-${traceId}-${spanId}-00 `)?.flags, 0, "not sampled");
});

test("a later version is read by its first four fields; version ff and extra fields in 00 are not", () => {
  assert.equal(parseTraceparent(`01-${traceId}-${spanId}-01-more`)?.traceId, traceId);
  assert.equal(parseTraceparent(`ff-${traceId}-${spanId}-01`), undefined);
  assert.equal(parseTraceparent(`00-${traceId}-${spanId}-01-more`), undefined);
});

test("malformed or all-zero ids are no parent", () => {
  for (const value of [
    null,
    "",
    "garbage",
    `00-${traceId.toUpperCase()}-${spanId}-01`,
    `00-${traceId}-${spanId}`,
    `00-${"0".repeat(32)}-${spanId}-01`,
    `00-${traceId}-${"0".repeat(16)}-01`,
    `00-${traceId.slice(1)}-${spanId}-01`,
  ])
    assert.equal(parseTraceparent(value), undefined, String(value));
});

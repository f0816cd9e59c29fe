import { test } from "node:test";
import assert from "node:assert/strict";
import { hashPassword, verifyPassword } from "./passwords.js";

test("a scrypt hash verifies its password and no other, and is salted", async () => {
  const stored = await hashPassword("s3cret");
  assert.match(stored, /^[0-9a-f]{32}:[0-9a-f]{64}$/);
  assert.equal(await verifyPassword("s3cret", stored), true);
  assert.equal(await verifyPassword("s3cret!", stored), false);
  assert.equal(await verifyPassword("", stored), false);
  assert.notEqual(await hashPassword("s3cret"), stored);
  assert.equal(await verifyPassword("s3cret", "nonsense"), false);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { newMessageId } from "./ids.js";

test("ids are 26 Crockford base32 characters, sort by time and do not repeat", () => {
  const ids = Array.from({ length: 5000 }, (_, i) => newMessageId(1_700_000_000_000 + i));
  for (const id of ids) assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.deepEqual([...ids].sort(), ids, "later times sort later");
  assert.equal(new Set(ids).size, ids.length);
  const sameMs = new Set(Array.from({ length: 5000 }, () => newMessageId(1_700_000_000_000)));
  assert.equal(sameMs.size, 5000, "ids of one millisecond differ by their random part");
});

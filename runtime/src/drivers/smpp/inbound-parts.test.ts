import { test } from "node:test";
import assert from "node:assert/strict";
import { concatenationOf, InboundParts } from "./inbound-parts.js";

test("concatenation from a UDH element (8- and 16-bit) or SAR TLVs", () => {
  assert.deepEqual(concatenationOf(Buffer.from([5, 0x00, 3, 0x42, 3, 2]), {}), {
    reference: 0x42,
    total: 3,
    seq: 2,
  });
  assert.deepEqual(concatenationOf(Buffer.from([6, 0x08, 4, 0x12, 0x34, 2, 1]), {}), {
    reference: 0x1234,
    total: 2,
    seq: 1,
  });
  assert.deepEqual(
    concatenationOf(Buffer.from([11, 0x05, 4, 0x0b, 0x84, 0x23, 0xf0, 0x00, 3, 9, 2, 2]), {}),
    { reference: 9, total: 2, seq: 2 },
    "after a port addressing element",
  );
  assert.deepEqual(concatenationOf(undefined, { ref: 7, total: 2, seq: 2 }), {
    reference: 7,
    total: 2,
    seq: 2,
  });
  assert.equal(concatenationOf(undefined, {}), undefined);
  assert.equal(
    concatenationOf(Buffer.from([5, 0x00, 3, 1, 2, 3]), {}),
    undefined,
    "part 3 of 2 makes no sense",
  );
  assert.equal(
    concatenationOf(Buffer.from([5, 0x00, 3, 1, 1, 1]), {}),
    undefined,
    "one part is no concatenation",
  );
  assert.equal(
    concatenationOf(Buffer.from([1, 0x00]), {}),
    undefined,
    "a truncated element is ignored",
  );
  assert.equal(
    concatenationOf(Buffer.from([5, 0x00, 3, 1, 2]), {}),
    undefined,
    "an element longer than the header is ignored",
  );
});

test("parts in any order give the whole text once; a duplicate part does not count twice", () => {
  const parts = new InboundParts<string>(10_000, () => assert.fail("not incomplete"));
  assert.equal(parts.add("a>b", { reference: 1, total: 3, seq: 3 }, "!", "ctx"), undefined);
  assert.equal(parts.add("a>b", { reference: 1, total: 3, seq: 1 }, "Hel", "ctx"), undefined);
  assert.equal(parts.add("a>b", { reference: 1, total: 3, seq: 1 }, "Hel", "ctx"), undefined);
  assert.equal(
    parts.add("c>b", { reference: 1, total: 2, seq: 1 }, "other sender", "ctx"),
    undefined,
  );
  assert.equal(parts.add("a>b", { reference: 1, total: 3, seq: 2 }, "lo", "ctx"), "Hello!");
  assert.equal(parts.waiting, 1);
  parts.stop();
});

test("a message whose parts do not all come is handed on with what came", async () => {
  const incomplete: Array<[string, string, number, number]> = [];
  const parts = new InboundParts<string>(20, (context, text, received, total) =>
    incomplete.push([context, text, received, total]),
  );
  parts.add("a>b", { reference: 9, total: 3, seq: 1 }, "first ", "from a");
  parts.add("a>b", { reference: 9, total: 3, seq: 3 }, "third", "from a");
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(incomplete, [["from a", "first third", 2, 3]]);
  assert.equal(parts.waiting, 0);
});

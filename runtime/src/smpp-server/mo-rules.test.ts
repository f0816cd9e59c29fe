import { test } from "node:test";
import assert from "node:assert/strict";
import { moAccount } from "./mo-rules.js";

const rules = [
  { account: "stop-desk", numbers: [], keywords: ["STOP"] },
  { account: "acme", numbers: ["+447700900100"], keywords: [] },
  { account: "acme-promo", numbers: ["+4477009002*"], keywords: ["WIN", "PRIZE"] },
  { account: "globex", numbers: ["4477009003*"], keywords: [] },
];

test("the first rule that matches wins: keyword, exact number, prefix and keyword, prefix", () => {
  assert.equal(moAccount(rules, "+447700900100", "stop please"), "stop-desk");
  assert.equal(moAccount(rules, "+447700900100", "hello"), "acme");
  assert.equal(moAccount(rules, "447700900100", "hello"), "acme");
  assert.equal(moAccount(rules, "+447700900255", "  win big"), "acme-promo");
  assert.equal(moAccount(rules, "+447700900255", "hello"), undefined);
  assert.equal(moAccount(rules, "+447700900399", "anything"), "globex");
  assert.equal(moAccount(rules, "+447700900101", "hello"), undefined);
  assert.equal(moAccount(rules, "+447700900100", ""), "acme");
});

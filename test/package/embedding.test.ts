// docs/embedding.md's example is docs/examples/embedded-gateway.ts, shown in
// full; this runs it, so the guide cannot rot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { MessageStatus } from "@hermes/runtime/contracts";
import { main } from "../../docs/examples/embedded-gateway.js";

test("the embedding guide's service starts a gateway, delivers through its own adapter and stops", async () => {
  const { status, delivered } = await main();
  assert.equal(status, MessageStatus.DELIVERED);
  assert.equal(delivered, 1);
});

test("docs/embedding.md shows the example as it is", () => {
  const root = new URL("../../", import.meta.url);
  const guide = readFileSync(new URL("docs/embedding.md", root), "utf8");
  const example = readFileSync(new URL("docs/examples/embedded-gateway.ts", root), "utf8");
  assert.ok(
    guide.includes(`\`\`\`ts\n${example}\`\`\``),
    "the guide's code block is the example file",
  );
});

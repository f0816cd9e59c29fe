import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pino } from "pino";
import { PluginRegistry } from "@hermes/runtime/plugin-registry";
import { buildPlugin, testManifest } from "./fixtures/build.js";

/** A pino logger whose lines land in `lines`, parsed. */
function captured() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: pino({ level: "info" }, destination) };
}

const warnLevel = 40;

test("allowUnsigned is loud: a warning at start and on each unsigned publish", async () => {
  const { lines, log } = captured();
  const registry = new PluginRegistry({ path: ":memory:", allowUnsigned: true, log });
  try {
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, warnLevel);
    assert.match(String(lines[0]!.msg), /unsigned plugins are accepted .*development only/);

    const { plugin } = await registry.publish(
      await buildPlugin("test-plugin", testManifest({ version: "1.2.3" })),
    );
    assert.deepEqual(plugin.signedBy, [], "the publish response marks it unsigned: no signer");
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!.level, warnLevel);
    assert.equal(lines[1]!.plugin, "test-sms");
    assert.equal(lines[1]!.version, "1.2.3");
    assert.match(String(lines[1]!.msg), /published test-sms@1\.2\.3 unsigned/);
  } finally {
    registry.close();
  }
});

test("without allowUnsigned the registry says nothing about it (and refuses unsigned artifacts)", async () => {
  const { lines, log } = captured();
  const registry = new PluginRegistry({ path: ":memory:", log });
  try {
    await assert.rejects(registry.publish(await buildPlugin()), /signature/i);
    assert.equal(lines.length, 0);
  } finally {
    registry.close();
  }
});

// node:test adapter: one test per plugin, one subtest per conformance check,
// so a failing check shows by name with its reason.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runConformance, type ConformanceOptions } from "./conformance.js";

/** Registers a test that runs the kit on the plugin `load` builds. */
export function conformanceTest(
  title: string,
  load: () => Promise<{ wasm: Uint8Array; options: ConformanceOptions }>,
): void {
  test(`conformance: ${title}`, async (t) => {
    const { wasm, options } = await load();
    const report = await runConformance(wasm, options);
    for (const check of report.checks)
      await t.test(check.name, () => assert.ok(check.ok, check.detail));
    assert.ok(report.checks.length > 0, "the kit ran no checks");
  });
}

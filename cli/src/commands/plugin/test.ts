import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Args, Flags, ux } from "@oclif/core";
import { HermesCommand } from "../../base-command.js";
import { ExitCode } from "../../errors/exit-codes.js";
import { Failure } from "../../errors/failure.js";
import { ownTests, pluginProject, readFixtures, sdkModulesDir } from "../../plugins/project.js";
import { readWasm } from "../../plugins/artifact.js";

export default class PluginTest extends HermesCommand<typeof PluginTest> {
  static override summary = "Run the conformance kit and the plugin's own tests.";
  static override description =
    "Builds the plugin (or takes --wasm), loads it in the real plugin host and runs the conformance kit: manifest, configure (the working config and every bad one), health, every recorded send and webhook in test/fixtures.json, hostile input and a memory soak. Then runs the plugin's own test/**/*.test.ts with node's test runner. Exits 0 when all pass, 1 otherwise.";
  static override examples = [
    "<%= config.bin %> plugin test",
    "<%= config.bin %> plugin test plugins/acme-sms --wasm dist/acme-sms.wasm --json",
  ];
  static override enableJsonFlag = true;
  static override args = {
    dir: Args.string({ description: "The plugin directory.", default: "." }),
  };
  static override flags = {
    entry: Flags.string({
      default: "plugin.ts",
      description: "Entry file, relative to the plugin directory.",
    }),
    wasm: Flags.string({
      description: "Test this built module instead of building.",
      helpValue: "<file>",
    }),
    fixtures: Flags.string({
      description: "Provider cases (default <dir>/test/fixtures.json).",
      helpValue: "<file>",
    }),
    optimize: Flags.integer({
      min: 0,
      max: 3,
      default: 2,
      description: "Optimisation level of the test build.",
    }),
  };

  public async run(): Promise<unknown> {
    const project = pluginProject(this.args.dir, this.flags.entry);
    const fixtures = readFixtures(
      this.flags.fixtures ?? join(project.dir, "test", "fixtures.json"),
    );
    const wasm = this.flags.wasm
      ? readWasm(this.flags.wasm)
      : (
          await this.step("Building", async () => {
            const { buildPlugin } = await import("@hermes/sdk/build");
            const modules = sdkModulesDir();
            return buildPlugin({
              entry: project.entry,
              optimizeLevel: this.flags.optimize,
              ascArgs: modules ? ["--path", modules] : [],
            });
          })
        ).wasm;
    const { runConformance } = await import("@hermes/runtime/conformance");
    const report = await this.step(
      "Running the conformance kit",
      () => runConformance(wasm, { config: fixtures.config, cases: fixtures }),
      (r) => (r.ok ? "passed" : "failed"),
    );
    for (const check of report.checks) {
      this.log(
        `${check.ok ? ux.colorize("green", "✔") : ux.colorize("red", "✖")} ${check.name}${check.detail && !check.ok ? `\n    ${check.detail}` : ""}`,
      );
    }
    const failed = report.checks.filter((c) => !c.ok);
    this.log(
      `conformance: ${report.checks.length - failed.length} passed, ${failed.length} failed`,
    );

    const tests = ownTests(project);
    let ownOk = true;
    if (tests.length > 0) {
      // A runner of its own even when hermes itself runs under node:test (which marks its children
      // with NODE_TEST_CONTEXT).
      const env = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      // tsx as this CLI resolves it: the plugin's folder need not have it installed.
      const run = spawnSync(
        process.execPath,
        ["--import", import.meta.resolve("tsx"), "--test", ...tests],
        { cwd: project.dir, env, stdio: this.jsonEnabled() ? "pipe" : "inherit", encoding: "utf8" },
      );
      ownOk = run.status === 0;
      this.log(
        `plugin tests: ${ownOk ? "passed" : "failed"} (${tests.length} file${tests.length === 1 ? "" : "s"})`,
      );
    }
    const result = {
      ok: report.ok && ownOk,
      conformance: report.checks,
      ownTests: { files: tests, ok: ownOk },
    };
    if (!result.ok) {
      if (this.jsonEnabled()) {
        this.logJson(result);
        this.exit(ExitCode.Error);
      }
      throw new Failure(
        ExitCode.Error,
        `${failed.length} conformance check${failed.length === 1 ? "" : "s"} failed${ownOk ? "" : "; the plugin's own tests failed"}`,
        { reason: "tests_failed" },
      );
    }
    return result;
  }
}

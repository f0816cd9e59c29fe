import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Args, Flags } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { ManifestSchema } from "@hermes/runtime/contracts/plugin";
import { HermesCommand } from "../../base-command.js";
import { ExitCode } from "../../errors/exit-codes.js";
import { Failure } from "../../errors/failure.js";
import { pluginProject, sdkModulesDir } from "../../plugins/project.js";
import { kib, sha256Hex } from "../../plugins/artifact.js";

export default class PluginBuild extends HermesCommand<typeof PluginBuild> {
  static override summary = "Compile a plugin to .wasm with its manifest embedded.";
  static override description =
    "Compiles the AssemblyScript entry with the SDK's flags (buildPlugin from @hermes/sdk/build), checks the six ABI exports, runs `describe` once and embeds the manifest in the `hermes.manifest` section. Writes dist/<name>.wasm unless --out. Compiler errors are shown as asc reports them (exit 2).";
  static override examples = [
    "<%= config.bin %> plugin build",
    "<%= config.bin %> plugin build plugins/acme-sms --out dist/acme-sms.wasm --optimize 2",
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
    out: Flags.string({
      char: "o",
      description: "Output file (default <dir>/dist/<name>.wasm).",
      helpValue: "<file>",
    }),
    optimize: Flags.integer({
      min: 0,
      max: 3,
      default: 3,
      description: "Binaryen optimisation level.",
    }),
  };

  public async run(): Promise<unknown> {
    const project = pluginProject(this.args.dir, this.flags.entry);
    const built = await this.step(
      `Compiling ${relative(process.cwd(), project.entry) || project.entry}`,
      async () => {
        // The compiler takes a few seconds to load: only for this command.
        const { buildPlugin } = await import("@hermes/sdk/build");
        const modules = sdkModulesDir();
        try {
          return await buildPlugin({
            entry: project.entry,
            optimizeLevel: this.flags.optimize,
            ascArgs: modules ? ["--path", modules] : [],
          });
        } catch (reason) {
          throw new Failure(ExitCode.Usage, (reason as Error).message, {
            reason: "build_failed",
            hints: ["see docs/plugin-sdk.md for the plugin shape"],
          });
        }
      },
    );
    const out = this.flags.out ?? join(project.dir, "dist", `${built.manifest.name}.wasm`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, built.wasm);
    this.log(
      `Built ${out}: ${built.manifest.name}@${built.manifest.version}, ${kib(built.wasm.length)}`,
    );
    this.log(
      `Next: hermes plugin test${this.args.dir === "." ? "" : ` ${this.args.dir}`} · hermes plugin sign ${out} --key <secret key>`,
    );
    return {
      file: out,
      sizeBytes: built.wasm.length,
      sha256: sha256Hex(built.wasm),
      manifest: toJson(ManifestSchema, built.manifest),
    };
  }
}

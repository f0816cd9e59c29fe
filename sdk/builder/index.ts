// The SDK's build API: compile an AssemblyScript plugin, ask it for its
// manifest and embed that (binary hermes.plugin.v1.Manifest) in the
// "hermes.manifest" custom section. `hermes plugin build` and the tests use it.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { DescribeResponseSchema, ManifestSchema, type Manifest } from "@hermes/runtime/gen/hermes/plugin/v1/plugin_pb";
import { compile, type CompileOptions } from "./compile.js";
import { abiImportModule, abiImportNames, Guest } from "./guest.js";
import { readCustomSections, withCustomSection } from "./wasm-sections.js";
import { wasm as engine } from "./wasm-api.js";

export { abiImportModule, abiImportNames, Guest, hostServiceNames, type GuestResult, type HostService, type HostServices } from "./guest.js";
export { readCustomSections, withCustomSection } from "./wasm-sections.js";
export { sdkAscFlags } from "./compile.js";

/** The custom section holding a plugin's binary manifest (docs/plugin-abi.md). */
export const manifestSectionName = "hermes.manifest";

/** The ABI exports every plugin must have. */
export const abiExports = ["describe", "configure", "prepare_send", "handle_response", "parse_webhook", "health"] as const;

export interface BuildOptions extends CompileOptions {
  /** Where to write the .wasm; omitted: only returned. */
  outFile?: string;
}

export interface BuiltPlugin {
  /** The module, manifest section included. */
  wasm: Uint8Array;
  manifest: Manifest;
}

/** Compiles a plugin, runs its `describe` once and embeds the manifest it returns. */
export async function buildPlugin(options: BuildOptions): Promise<BuiltPlugin> {
  const compiled = await compile(options);
  const module = await engine.compile(compiled);
  const exported = new Set(engine.Module.exports(module).map((e) => e.name));
  const missing = abiExports.filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw new Error(`${options.entry} does not export ${missing.join(", ")}: add \`export * from "@hermes/sdk/exports";\` to it`);
  }
  const foreign = engine.Module.imports(module).filter((i) => i.module !== abiImportModule || !abiImportNames.has(i.name));
  if (foreign.length > 0) {
    const names = foreign.map((i) => `${i.module}.${i.name}`).join(", ");
    throw new Error(
      `${options.entry} imports ${names}, which no Hermes host provides ` +
        "(Math.random needs env.seed and Date.now env.Date.now: use nowMs() for the time)",
    );
  }
  const guest = await Guest.load(module);
  const described = guest.call("describe");
  if (!described.ok) throw new Error(`${options.entry}: describe failed: ${described.error}`);
  const manifest = fromBinary(DescribeResponseSchema, described.output).manifest;
  if (!manifest) throw new Error(`${options.entry}: describe returned no manifest`);
  const wasm = withCustomSection(compiled, manifestSectionName, toBinary(ManifestSchema, manifest));
  if (options.outFile) {
    await mkdir(dirname(options.outFile), { recursive: true });
    await writeFile(options.outFile, wasm);
  }
  return { wasm, manifest };
}

/** The manifest embedded in a plugin module, or undefined when it has none. Throws on a malformed module or manifest. */
export function readManifest(wasm: Uint8Array): Manifest | undefined {
  const sections = readCustomSections(wasm, manifestSectionName);
  if (sections.length > 1) throw new Error(`the module has ${sections.length} "${manifestSectionName}" sections; a plugin has one`);
  return sections.length === 0 ? undefined : fromBinary(ManifestSchema, sections[0]);
}

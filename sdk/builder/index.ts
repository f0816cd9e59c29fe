// The SDK's build API: compile an AssemblyScript plugin, ask it for its
// manifest, embed that (binary hermes.plugin.v1.Manifest) in the
// "hermes.manifest" custom section, and admit the result with the host's own
// checks (runtime/src/plugin-host). `hermes plugin build` and the tests use it.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  DescribeResponseSchema,
  ManifestSchema,
  type Manifest,
} from "@hermes/runtime/contracts/plugin";
import {
  compilePlugin,
  hostFunctions,
  manifestSection,
  userNamespace,
  appendCustomSection,
  wasm as engine,
} from "@hermes/runtime/plugin-host";
import { compile, type CompileOptions } from "./compile.js";
import { Guest } from "./guest.js";

export {
  Guest,
  hostServiceNames,
  type GuestResult,
  type HostService,
  type HostServiceName,
  type HostServices,
} from "./guest.js";
export { sdkAscFlags } from "./compile.js";
/**
 * The host's own reader: the manifest of a plugin module, validated; PLUGIN_REJECTED when absent or
 * invalid.
 */
export { readManifest, manifestSection } from "@hermes/runtime/plugin-host";

/** The ABI exports every plugin must have. */
export const abiExports = [
  "describe",
  "configure",
  "prepare_send",
  "handle_response",
  "parse_webhook",
  "health",
] as const;

export interface BuildOptions extends CompileOptions {
  /** Where to write the .wasm; omitted: only returned. */
  outFile?: string;
}

export interface BuiltPlugin {
  /** The module, manifest section included. */
  wasm: Uint8Array;
  manifest: Manifest;
}

/**
 * Compiles a plugin, runs its `describe` once, embeds the manifest it returns
 * and checks the result as the gateway's host admits plugins, so what builds
 * also loads.
 */
export async function buildPlugin(options: BuildOptions): Promise<BuiltPlugin> {
  const compiled = await compile(options);
  const module = await engine.compile(compiled);
  const exported = new Set(engine.Module.exports(module).map((e) => e.name));
  const missing = abiExports.filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw new Error(
      `${options.entry} does not export ${missing.join(", ")}: add \`export * from "@hermes/sdk/exports";\` to it`,
    );
  }
  const provided: readonly string[] = hostFunctions;
  const foreign = engine.Module.imports(module).filter(
    (i) => i.module !== userNamespace || !provided.includes(i.name),
  );
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
  const wasm = appendCustomSection(compiled, manifestSection, toBinary(ManifestSchema, manifest));
  try {
    await compilePlugin(wasm);
  } catch (reason) {
    throw new Error(`${options.entry}: ${(reason as Error).message}`, { cause: reason });
  }
  if (options.outFile) {
    await mkdir(dirname(options.outFile), { recursive: true });
    await writeFile(options.outFile, wasm);
  }
  return { wasm, manifest };
}

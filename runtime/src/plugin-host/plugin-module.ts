import { createHash } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import {
  AbiVersion,
  Capability,
  ManifestSchema,
  type Manifest,
} from "../gen/hermes/plugin/v1/plugin_pb.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { defaultPolicy, effectiveLimits, type EffectiveLimits, type HostPolicy } from "./policy.js";
import { boundMemory, customSections, WasmFormatError } from "./wasm-binary.js";
import { wasm, type WasmModule } from "../wasm/wasm-api.js";
import { isSemver } from "./semver.js";

export const manifestSection = "hermes.manifest";

/** Host functions of ABI v1, imported from Extism's user namespace. */
export const userNamespace = "extism:host/user";
export const hostFunctions = [
  "hermes_input_length",
  "hermes_input_read",
  "hermes_output_write",
  "hermes_result_read",
  "hermes_log",
  "hermes_metric",
  "hermes_config_get",
  "hermes_kv_get",
  "hermes_kv_set",
  "hermes_kv_delete",
  "hermes_clock",
  "hermes_crypto_hash",
  "hermes_crypto_hmac",
  "hermes_crypto_sign_rs256",
  "hermes_crypto_verify",
] as const;

/** A plugin that passed the checks, compiled with its memory bounded; safe to hand to workers. */
export interface PluginModule {
  readonly manifest: Manifest;
  readonly limits: EffectiveLimits;
  /** Compiled from the memory-bounded bytes; structured-cloneable to workers. */
  readonly module: WasmModule;
  /** SHA-256 of the bytes as published (before the host bounded memory), hex. */
  readonly sha256: string;
  readonly exports: ReadonlySet<string>;
  /**
   * How calls pass input and output: the ABI's fast I/O, or Extism's kernel (a generic PDK plugin).
   */
  readonly io: PluginIo;
}

/**
 * "hermes": the guest imports hermes_input_read/hermes_output_write and the
 * host calls its exports directly. "extism": a plain Extism PDK plugin (e.g.
 * @extism/as-pdk) that reads its input and sets its output through
 * `extism:host/env`; the host runs its calls through Extism's plugin.call.
 */
export type PluginIo = "hermes" | "extism";

const fastIo = ["hermes_input_read", "hermes_output_write"];
const extismIo = ["input_length", "input_load_u8", "input_load_u64", "output_set"];

/**
 * Tells the I/O convention from the imports: without the ABI's fast I/O but with Extism's
 * input/output, it is a generic plugin.
 */
export function pluginIo(imports: readonly { module: string; name: string }[]): PluginIo {
  const uses = (namespace: string, names: readonly string[]) =>
    imports.some((i) => i.module === namespace && names.includes(i.name));
  return !uses(userNamespace, fastIo) && uses("extism:host/env", extismIo) ? "extism" : "hermes";
}

/**
 * Reads the manifest from the `hermes.manifest` custom section without
 * running any code. Throws PLUGIN_REJECTED when absent or malformed.
 */
export function readManifest(bytes: Uint8Array): Manifest {
  const found = reject(() => customSections(bytes, manifestSection));
  if (found.length === 0)
    throw rejected(
      `the module has no "${manifestSection}" custom section: build it with the Hermes SDK, which embeds the manifest`,
    );
  if (found.length > 1)
    throw rejected(
      `the module has ${found.length} "${manifestSection}" custom sections; exactly one is allowed`,
    );
  let manifest: Manifest;
  try {
    manifest = fromBinary(ManifestSchema, found[0]!);
  } catch (reason) {
    throw rejected(
      `the "${manifestSection}" section is not a binary hermes.plugin.v1.Manifest: ${(reason as Error).message}`,
    );
  }
  checkManifest(manifest);
  return manifest;
}

/**
 * Checks a plugin artifact and compiles it for the sandbox: manifest, ABI
 * version, imports (only Hermes host functions, Extism's own namespace and
 * AssemblyScript's `env.abort`; no WASI), memory bounded to the granted
 * ceiling. Every problem is a PLUGIN_REJECTED error saying what is wrong.
 */
export async function compilePlugin(
  bytes: Uint8Array,
  policy: HostPolicy = defaultPolicy,
): Promise<PluginModule> {
  const manifest = readManifest(bytes);
  const limits = effectiveLimits(manifest.limits, policy);
  const bounded = reject(() => boundMemory(bytes, limits.memoryPages));
  let module: WasmModule;
  try {
    module = await wasm.compile(bounded.bytes);
  } catch (reason) {
    throw rejected(`invalid WebAssembly: ${(reason as Error).message}`);
  }
  const imports = wasm.Module.imports(module);
  for (const { module: namespace, name, kind } of imports) checkImport(namespace, name, kind);
  const declared = wasm.Module.exports(module);
  const exports = new Set(declared.map((e) => e.name));
  if (!declared.some((e) => e.name === "memory" && e.kind === "memory")) {
    throw rejected('the module does not export its linear memory as "memory"');
  }
  return {
    manifest,
    limits,
    module,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    exports,
    io: pluginIo(imports),
  };
}

/**
 * A route's plugin config with the manifest's config_schema defaults filled in where the route sets
 * nothing.
 */
export function configWithDefaults(
  config: Readonly<Record<string, string>>,
  manifest: Manifest,
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const field of manifest.configSchema)
    if (field.defaultValue) merged[field.name] = field.defaultValue;
  return { ...merged, ...config };
}

function checkImport(namespace: string, name: string, kind: string): void {
  const extismHttp = namespace === "extism:host/env" && name.startsWith("http_");
  const allowed =
    (namespace === userNamespace && (hostFunctions as readonly string[]).includes(name)) ||
    (namespace === "extism:host/env" && !extismHttp) ||
    (namespace === "env" && name === "abort");
  if (!allowed || kind !== "function") {
    const hint =
      namespace.startsWith("wasi") || extismHttp
        ? " (plugins do no I/O of their own: prepare_send returns the HTTP request and the host performs it)"
        : "";
    throw rejected(
      `imports ${kind} "${namespace}"."${name}", which the sandbox does not provide${hint}`,
    );
  }
}

/** A plugin name, as manifests carry it and `plugin:` routes name it. */
export const namePattern = /^[a-z0-9-]{1,64}$/;
/**
 * A host name or *.domain pattern, as manifests' allowed_hosts and routes' allowHosts list them.
 */
export const hostPattern = /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/;

function checkManifest(manifest: Manifest): void {
  if (!namePattern.test(manifest.name))
    throw rejected(`manifest name ${JSON.stringify(manifest.name)} must match [a-z0-9-]{1,64}`);
  if (!isSemver(manifest.version))
    throw rejected(
      `manifest version ${JSON.stringify(manifest.version)} of ${manifest.name} is not a semantic version (e.g. 1.4.0)`,
    );
  if (manifest.abiVersion !== AbiVersion.V1) {
    throw rejected(
      `${manifest.name}@${manifest.version} targets ABI ${AbiVersion[manifest.abiVersion] ?? manifest.abiVersion}; this host runs ABI V1 plugins`,
    );
  }
  for (const host of manifest.allowedHosts) {
    if (!hostPattern.test(host))
      throw rejected(`allowed host "${host}" is not a host name or *.domain pattern`);
  }
  for (const capability of manifest.capabilities) {
    if (!(capability in Capability) || capability === Capability.UNSPECIFIED)
      throw rejected(`unknown capability ${capability}`);
  }
}

function reject<T>(run: () => T): T {
  try {
    return run();
  } catch (reason) {
    if (reason instanceof WasmFormatError) throw rejected(reason.message);
    throw reason;
  }
}

function rejected(message: string): HermesError {
  return new HermesError(ErrorCode.PLUGIN_REJECTED, `plugin rejected: ${message}`, {
    retryable: false,
  });
}

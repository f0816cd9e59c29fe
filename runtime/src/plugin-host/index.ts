// The WASM plugin host: sandboxed Extism plugins in a supervised worker
// pool, the `wasm` channel adapter and hot swap. See docs/plugin-host.md.
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import type { AdapterFactory } from "../router/adapter.js";
import { WasmAdapter } from "./wasm-adapter.js";
import { hostPattern, namePattern } from "./plugin-module.js";

export { WasmAdapter, type WasmAdapterConfig } from "./wasm-adapter.js";
export {
  PluginHost,
  pluginHost,
  type ActivationResult,
  type PluginSource,
  type SwappableRoute,
} from "./plugin-host.js";
export {
  compilePlugin,
  readManifest,
  manifestSection,
  type PluginModule,
} from "./plugin-module.js";
export { defaultPolicy, effectiveLimits, type EffectiveLimits, type HostPolicy } from "./policy.js";
export { PluginPool, type PluginPoolOptions } from "./worker-pool.js";
export { PluginVersion } from "./plugin-version.js";

/**
 * Builds a `wasm` route's adapter from its config:
 * `{ plugin: "<name>" | file: "path.wasm", config: {...}, concurrency?: 32, workers?: 2, allowHttp?: false, allowHosts?: [], publicUrl?, kvPath? }`.
 */
export const createWasmAdapter: AdapterFactory = (raw) => {
  const {
    plugin,
    file,
    config = {},
    concurrency = 32,
    workers = 2,
    allowHttp = false,
    allowHosts = [],
    publicUrl,
    kvPath,
  } = raw as Record<string, unknown>;
  const invalid = (field: string, message: string) =>
    new HermesError(ErrorCode.CONFIG_INVALID, message, { field: `config.${field}` });
  if ((plugin === undefined) === (file === undefined))
    throw invalid(
      "plugin",
      "a wasm route names exactly one of plugin (a published plugin) or file (a .wasm path)",
    );
  if (plugin !== undefined && (typeof plugin !== "string" || !namePattern.test(plugin)))
    throw invalid("plugin", "plugin must be a plugin name ([a-z0-9-]{1,64})");
  if (file !== undefined && (typeof file !== "string" || !file))
    throw invalid("file", "file must be a path to a .wasm file");
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw invalid("config", "config must be an object of provider settings");
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!["string", "number", "boolean"].includes(typeof value))
      throw invalid(`config.${key}`, `config.${key} must be a string, number or boolean`);
    values[key] = String(value);
  }
  const positive = (name: string, value: unknown, max: number) => {
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max)
      throw invalid(name, `${name} must be an integer from 1 to ${max}`);
    return value as number;
  };
  if (typeof allowHttp !== "boolean") throw invalid("allowHttp", "allowHttp must be true or false");
  if (
    !Array.isArray(allowHosts) ||
    !allowHosts.every((h) => typeof h === "string" && hostPattern.test(h))
  ) {
    throw invalid("allowHosts", "allowHosts must be a list of host names or *.domain patterns");
  }
  if (publicUrl !== undefined && (typeof publicUrl !== "string" || !/^https?:\/\//.test(publicUrl)))
    throw invalid("publicUrl", "publicUrl must be an http(s) URL");
  if (kvPath !== undefined && typeof kvPath !== "string")
    throw invalid("kvPath", "kvPath must be a file path");
  return new WasmAdapter({
    plugin: plugin as string | undefined,
    file: file as string | undefined,
    config: values,
    concurrency: positive("concurrency", concurrency, 10_000),
    workers: positive("workers", workers, 64),
    allowHttp,
    allowHosts: allowHosts as string[],
    publicUrl: publicUrl as string | undefined,
    kvPath: kvPath as string | undefined,
  });
};

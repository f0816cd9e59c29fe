import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import type { AdapterFactory } from "../router/adapter.js";
import type { PluginHost } from "./plugin-host.js";
import { hostPattern, namePattern } from "./plugin-module.js";
import { WasmAdapter, type WasmAdapterConfig } from "./wasm-adapter.js";

/**
 * Reads a `wasm` route's adapter config:
 * `{ plugin: "<name>" | file: "path.wasm", config: {...}, concurrency?: 32, workers?: 2,
 * allowHttp?: false, allowHosts?: [], publicUrl?, kvPath? }`.
 */
export function parseWasmAdapterConfig(raw: Readonly<Record<string, unknown>>): WasmAdapterConfig {
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
  return {
    plugin: plugin as string | undefined,
    file: file as string | undefined,
    config: values,
    concurrency: positive("concurrency", concurrency, 10_000),
    workers: positive("workers", workers, 64),
    allowHttp,
    allowHosts: allowHosts as string[],
    publicUrl: publicUrl as string | undefined,
    kvPath: kvPath as string | undefined,
  };
}

/** The `wasm` adapter type of a gateway: its routes run on, and hot-swap through, `host`. */
export function wasmAdapterFactory(host: PluginHost): AdapterFactory {
  return (config) => new WasmAdapter(parseWasmAdapterConfig(config), host);
}

// The WASM plugin host: sandboxed Extism plugins in a supervised worker
// pool, the `wasm` channel adapter and hot swap. See docs/plugin-host.md.

export { PluginHost } from "./plugin-host.js";
export type { ActivationResult, PluginSource, SwappableRoute } from "./plugin-host.js";
export { WasmAdapter } from "./wasm-adapter.js";
export type { WasmAdapterConfig } from "./wasm-adapter.js";
export { parseWasmAdapterConfig, wasmAdapterFactory } from "./wasm-adapter-factory.js";
export {
  compilePlugin,
  hostFunctions,
  manifestSection,
  readManifest,
  userNamespace,
} from "./plugin-module.js";
export type { PluginModule } from "./plugin-module.js";
export { defaultPolicy, effectiveLimits } from "./policy.js";
export type { EffectiveLimits, HostPolicy } from "./policy.js";
export { appendCustomSection, customSections, WasmFormatError } from "./wasm-binary.js";
export { isWasmModule, wasm } from "../wasm/wasm-api.js";
export type { WasmExports, WasmMemory, WasmModule } from "../wasm/wasm-api.js";

// Internal: the pool and its workers, for Hermes's own tests and benchmarks; no semver.
export { PluginPool } from "./worker-pool.js";
export type { PluginPoolOptions } from "./worker-pool.js";
export { PluginVersion } from "./plugin-version.js";
export { PluginWorker } from "./worker-actor.js";
export type { PendingCall } from "./worker-actor.js";
export type { Telemetry } from "./worker-protocol.js";
export { hostAllowed, performRequest } from "./plugin-http.js";
export type { PluginHttpOptions } from "./plugin-http.js";
export {
  CallState,
  hostFunctions as workerHostFunctions,
} from "./worker/host-functions.mjs";
export { KvStore } from "./worker/kv-store.mjs";

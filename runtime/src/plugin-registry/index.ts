/**
 * Hermes plugin registry: wasmsign2-compatible Ed25519 signing of .wasm
 * artifacts, and (below) the registry that stores, verifies and activates them.
 */
export * from "./signing/index.js";
export {
  PluginRegistry,
  defaultMaxArtifactBytes,
  type PluginRegistryOptions,
  type PluginVersionInfo,
  type TrustedKeyInfo,
  type PublishResult,
  type ActivationResult,
  type ActivePlugin,
} from "./plugin-registry.js";
export type { PluginActivation, PluginActivationListener } from "./activation.js";
export {
  readManifest,
  manifestSection as manifestSectionName,
} from "../plugin-host/plugin-module.js";
export { compareSemver, isSemver } from "../plugin-host/semver.js";
export { bindPluginHost, type SwappingHost, type RouteSwapResult } from "./host-binding.js";

// The plugin registry: wasmsign2-compatible Ed25519 signing of .wasm
// artifacts, and the registry that stores, verifies, activates and rolls
// them back (docs/plugin-registry.md).

export { generateKeyPair, PublicKey, SecretKey } from "./signing/keys.js";
export { ed25519PublicKeyPrefix, ed25519SecretKeyPrefix } from "./signing/keys.js";
export type { KeyPair } from "./signing/keys.js";
export { readSignatures, sign, stripSignature, verify } from "./signing/signer.js";
export type { SignOptions, VerifiedSignature } from "./signing/signer.js";
export { SignatureError } from "./signing/signature-error.js";
export type { SignatureFailure } from "./signing/signature-error.js";
export { signatureSectionName } from "./signing/signature-data.js";
export type {
  SignatureData,
  SignatureForHashes,
  SignedHashes,
} from "./signing/signature-data.js";
export { parseModule } from "./signing/wasm-module.js";
export type { ParsedModule } from "./signing/wasm-module.js";
export type { WasmSection } from "../wasm/module-sections.js";
export { defaultMaxArtifactBytes, PluginRegistry } from "./plugin-registry.js";
export type {
  ActivationResult,
  ActivePlugin,
  PluginRegistryOptions,
  PluginVersionInfo,
  PublishResult,
  TrustedKeyInfo,
} from "./plugin-registry.js";
export type { PluginActivation, PluginActivationListener } from "./activation.js";
export type { PluginCatalog } from "./catalog.js";
export { bindPluginHost } from "./host-binding.js";
export type { RouteSwapResult, SwappingHost } from "./host-binding.js";

export {
  generateKeyPair,
  PublicKey,
  SecretKey,
  ed25519PublicKeyPrefix,
  ed25519SecretKeyPrefix,
  type KeyPair,
} from "./keys.js";
export {
  sign,
  verify,
  readSignatures,
  stripSignature,
  type SignOptions,
  type VerifiedSignature,
} from "./signer.js";
export { SignatureError, type SignatureFailure } from "./signature-error.js";
export {
  signatureSectionName,
  type SignatureData,
  type SignedHashes,
  type SignatureForHashes,
} from "./signature-data.js";
export { parseModule, type ParsedModule } from "./wasm-module.js";
export type { WasmSection } from "../../wasm/module-sections.js";

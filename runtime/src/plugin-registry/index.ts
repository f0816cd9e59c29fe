/**
 * Hermes plugin registry: wasmsign2-compatible Ed25519 signing of .wasm
 * artifacts, and (below) the registry that stores, verifies and activates them.
 */
export * from "./signing/index.js";

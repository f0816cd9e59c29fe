/** The registry's name for the shared WebAssembly API (runtime/src/wasm/wasm-api.ts). */
export { wasm as wasmEngine } from "../wasm/wasm-api.js";

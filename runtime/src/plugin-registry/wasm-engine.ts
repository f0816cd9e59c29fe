/**
 * The bits of the WebAssembly JS API the registry uses. The repository's
 * TypeScript lib (ES2023 + node types) does not declare the WebAssembly
 * global, so it is typed here, narrowly, instead of pulling in the DOM lib.
 */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<unknown>;
  instantiate(module: unknown): Promise<{ exports: Record<string, unknown> }>;
}

export const wasmEngine = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

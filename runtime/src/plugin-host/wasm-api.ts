/**
 * The few WebAssembly JS APIs the host uses, typed here because the
 * project's `lib` (ES2023, no DOM) declares no `WebAssembly` global.
 */

/** A compiled module; structured-cloneable to worker threads. */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

export interface WasmDescriptor {
  readonly module?: string;
  readonly name: string;
  readonly kind: "function" | "table" | "memory" | "global" | "tag";
}

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  readonly Module: {
    imports(module: WasmModule): Array<Required<WasmDescriptor>>;
    exports(module: WasmModule): WasmDescriptor[];
  };
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

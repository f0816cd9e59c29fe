// The few WebAssembly JS APIs the SDK's build and test host use, typed here
// because the repository's TypeScript lib (ES2023, no DOM) declares no
// `WebAssembly` global.

/** A compiled module. */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export type WasmExports = Record<string, unknown>;

export interface WasmInstance {
  readonly exports: WasmExports;
}

type Imports = Record<string, Record<string, unknown>>;

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Imports): Promise<WasmInstance>;
  readonly Module: {
    new (bytes: Uint8Array): WasmModule;
    exports(module: WasmModule): Array<{ name: string; kind: string }>;
    imports(module: WasmModule): Array<{ module: string; name: string; kind: string }>;
  };
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export function isWasmModule(value: unknown): value is WasmModule {
  return Object.prototype.toString.call(value) === "[object WebAssembly.Module]";
}

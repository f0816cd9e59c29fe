/**
 * The few WebAssembly JS APIs the host, the registry and the SDK's build use,
 * typed here because the project's `lib` (ES2023, no DOM) declares no
 * `WebAssembly` global.
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
  instantiate(module: WasmModule, imports?: Imports): Promise<WasmInstance>;
  readonly Module: {
    imports(module: WasmModule): Array<Required<WasmDescriptor>>;
    exports(module: WasmModule): WasmDescriptor[];
  };
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export function isWasmModule(value: unknown): value is WasmModule {
  return Object.prototype.toString.call(value) === "[object WebAssembly.Module]";
}

import type { WasmModule } from "./wasm-api.js";

// The messages between the main thread and a plugin worker thread
// (worker/plugin-worker.mjs, plain JavaScript: keep the two in step).

/** What a worker needs to instantiate a plugin version. */
export interface WorkerPluginSpec {
  readonly name: string;
  readonly version: string;
  readonly route: string;
  /** The route's plugin config (secrets included: they never leave the host). */
  readonly config: Readonly<Record<string, string>>;
  readonly capabilities: readonly number[];
  readonly ioBytes: number;
  readonly memoryPages: number;
  /** Encoded ConfigureRequest, run on every new instance; absent for bare modules (benchmarks). */
  readonly configureInput?: Uint8Array;
}

export interface WorkerData {
  readonly progress: SharedArrayBuffer;
  /** Date.now() at spawn; progress times are ms since then. */
  readonly epoch: number;
  readonly kvPath: string;
}

export interface WorkerCall {
  readonly seq: number;
  /** Plugin version id. */
  readonly plugin: string;
  readonly fn: string;
  readonly input: Uint8Array;
  readonly tenant: string;
}

export type ToWorker =
  | { readonly type: "load"; readonly id: string; readonly module: WasmModule; readonly spec: WorkerPluginSpec }
  | { readonly type: "unload"; readonly id: string }
  | { readonly type: "batch"; readonly calls: readonly WorkerCall[] };

/**
 * How a call ended in the worker. `error`: the plugin returned non-zero;
 * `trap`: the guest trapped (its instance is replaced); `limit`: it broke an
 * I/O limit; `missing`: no such export; `unloaded`: version not loaded.
 */
export type CallResult =
  | { readonly seq: number; readonly ok: true; readonly output: Uint8Array }
  | { readonly seq: number; readonly ok: false; readonly kind: "error" | "trap" | "limit" | "missing" | "unloaded"; readonly error: string };

export interface LogRecord {
  readonly plugin: string;
  readonly level: number;
  readonly message: string;
  readonly fields: Record<string, string>;
}

export interface MetricRecord {
  readonly plugin: string;
  readonly name: string;
  readonly kind: number;
  readonly value: number;
  readonly labels: Record<string, string>;
}

export interface Telemetry {
  readonly logs: readonly LogRecord[];
  readonly metrics: readonly MetricRecord[];
}

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "loaded"; readonly id: string; readonly error?: string }
  | { readonly type: "results"; readonly results: readonly CallResult[]; readonly telemetry: Telemetry };

/** Progress slots in the shared buffer. */
export const progressSlots = { started: 0, startedAtMs: 1, finished: 2 } as const;

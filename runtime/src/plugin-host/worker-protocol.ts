import type { WasmModule } from "../wasm/wasm-api.js";
import type { callStatus } from "./worker/protocol-constants.mjs";

export { callStatus, progressSlots } from "./worker/protocol-constants.mjs";

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
  /** The plugin's call budget; loading an instance gets it plus a margin. */
  readonly callTimeoutMs: number;
  /** Encoded ConfigureRequest, run on every new instance; absent for bare modules (benchmarks). */
  readonly configureInput?: Uint8Array;
  /**
   * "extism": a generic Extism PDK plugin, called through plugin.call (plugin-module.ts PluginIo);
   * default "hermes".
   */
  readonly io?: "hermes" | "extism";
}

export interface WorkerData {
  readonly progress: SharedArrayBuffer;
  /** Date.now() at spawn; progress times are ms since then. */
  readonly epoch: number;
  readonly kvPath: string;
}

/** Which export of which plugin version a call runs, and for which tenant (KV scope). */
export interface CallTarget {
  /** Plugin version id. */
  readonly plugin: string;
  readonly fn: string;
  readonly tenant: string;
}

/**
 * A batch packed into a few transferable buffers, so crossing threads costs
 * the same for 1 call or 1000: call i (seq = first + i) runs
 * targets[targetOf[i]] on data[bounds[i], bounds[i + 1]).
 */
export interface PackedBatch {
  readonly first: number;
  readonly targets: readonly CallTarget[];
  readonly targetOf: Uint32Array;
  readonly bounds: Uint32Array;
  readonly data: Uint8Array;
}

export type ToWorker =
  | {
      readonly type: "load";
      readonly id: string;
      readonly module: WasmModule;
      readonly spec: WorkerPluginSpec;
    }
  | { readonly type: "unload"; readonly id: string }
  | { readonly type: "batch"; readonly batch: PackedBatch };

/**
 * How each call ended, by status code: `ok` (data is the output), `error`
 * (the plugin returned non-zero; data is its text), `trap` (the guest
 * trapped; its instance is replaced), `limit` (it broke an I/O limit),
 * `missing` (no such export), `unloaded` (version not loaded in the worker).
 * For failures the data is the error text.
 */
export type CallStatus = (typeof callStatus)[number];

/**
 * Results packed as the batch was: call i's status is status[i], its output data[bounds[i],
 * bounds[i + 1]).
 */
export interface PackedResults {
  readonly first: number;
  readonly status: Uint8Array;
  readonly bounds: Uint32Array;
  readonly data: Uint8Array;
}

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
  | { readonly type: "results"; readonly results: PackedResults; readonly telemetry: Telemetry };

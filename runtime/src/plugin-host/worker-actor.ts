import type { WasmModule } from "../wasm/wasm-api.js";
import { Worker } from "node:worker_threads";
import { Actor, type ExitReason } from "../kernel/index.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import {
  callStatus,
  progressSlots,
  type CallStatus,
  type CallTarget,
  type FromWorker,
  type PackedResults,
  type Telemetry,
  type ToWorker,
  type WorkerData,
  type WorkerPluginSpec,
} from "./worker-protocol.js";

const workerUrl = new URL("./worker/plugin-worker.mjs", import.meta.url);
/**
 * Heap of the worker's JavaScript side (host functions, Extism's buffers); guest memory is bounded
 * separately.
 */
const workerHeapMb = 96;
/**
 * Loading = instantiating (compiled code is shared) + start function + configure: the call budget
 * and this margin.
 */
const loadMarginMs = 2000;

/** One call waiting in the pool or running in a worker. */
export interface PendingCall {
  /** Plugin version id. */
  readonly plugin: string;
  readonly fn: string;
  readonly input: Uint8Array;
  readonly tenant: string;
  readonly timeoutMs: number;
  /** For error messages: "name@version". */
  readonly label: string;
  readonly resolve: (output: Uint8Array) => void;
  readonly reject: (error: HermesError) => void;
  /**
   * Set by the worker actor once it resolved or rejected the call: a batch handed back after its
   * worker died re-runs only the rest.
   */
  settled: boolean;
}

/** A loaded plugin version, as workers (re)load it. */
export interface LoadedVersion {
  readonly id: string;
  readonly module: WasmModule;
  readonly spec: WorkerPluginSpec;
}

export type WorkerRequest =
  | { readonly type: "batch"; readonly calls: readonly PendingCall[] }
  | { readonly type: "load"; readonly version: LoadedVersion }
  | { readonly type: "unload"; readonly id: string };

/**
 * Calls of a batch that never got their turn (the worker died first): the pool runs them elsewhere.
 */
export interface BatchOutcome {
  readonly requeue: readonly PendingCall[];
}

/**
 * A load answers with its error rather than rejecting: a plugin that fails to load must not crash
 * the actor.
 */
export interface LoadOutcome {
  readonly error?: HermesError;
}

export interface WorkerHooks {
  /** The versions a fresh worker loads before it serves calls. */
  readonly versions: () => Iterable<LoadedVersion>;
  readonly kvPath: string;
  readonly telemetry: (telemetry: Telemetry) => void;
  readonly ready: (worker: PluginWorker) => void;
}

interface RunningBatch {
  /** Seq of calls[0]; call i has seq first + i. */
  readonly first: number;
  readonly calls: readonly PendingCall[];
  readonly settle: (outcome: BatchOutcome) => void;
}

/**
 * An actor owning one worker thread. It sends the thread batches of calls
 * and watches their deadlines: the thread publishes which call it is running
 * and since when in a shared buffer, and one timer per batch, armed for the
 * running call's deadline, checks it. A call that overruns has its thread
 * terminated; the actor then exits with an error and its supervisor starts a
 * fresh one. The overrunning call fails (retryably); the batch's other calls
 * go back to the pool, so one looping plugin costs one failed call.
 */
export class PluginWorker extends Actor<WorkerRequest, BatchOutcome | LoadOutcome | undefined> {
  readonly #hooks: WorkerHooks;
  readonly #progress = new Int32Array(new SharedArrayBuffer(12));
  readonly #epoch = Date.now();
  #thread: Worker | undefined;
  #seq = 0;
  #batch: RunningBatch | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  readonly #loads = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  #callsServed = 0;
  /** Settles once the thread says it is ready (or dies first). */
  #booting: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(name: string, hooks: WorkerHooks) {
    super({ name });
    this.#hooks = hooks;
  }

  protected override async init(): Promise<void> {
    const workerData: WorkerData = {
      progress: this.#progress.buffer as SharedArrayBuffer,
      epoch: this.#epoch,
      kvPath: this.#hooks.kvPath,
    };
    // No TypeScript loader: the worker is plain JavaScript. Extism imports
    // node:wasi, whose experimental warning would print once per thread;
    // plugins never get WASI.
    const execArgv = ["--disable-warning=ExperimentalWarning"];
    const thread = new Worker(workerUrl, {
      workerData,
      execArgv,
      resourceLimits: { maxOldGenerationSizeMb: workerHeapMb },
    });
    this.#thread = thread;
    await new Promise<void>((resolve, reject) => {
      this.#booting = { resolve, reject };
      thread.on("message", (message: FromWorker) => this.#received(message));
      thread.on("error", (error) => this.#died(`worker thread crashed: ${error.message}`));
      thread.on("exit", (code) => this.#died(`worker thread exited with code ${code}`));
    });
    for (const version of this.#hooks.versions()) {
      await this.#load(version).catch((reason: Error) =>
        this.log.error(
          { process: this.name, plugin: version.id, err: reason },
          "plugin version failed to load in a new worker",
        ),
      );
    }
    if (!this.#thread) throw new Error("the worker thread was lost while loading plugins");
    this.#hooks.ready(this);
  }

  protected override handleCall(
    request: WorkerRequest,
  ): Promise<BatchOutcome | LoadOutcome> | undefined {
    switch (request.type) {
      case "batch":
        return this.#runBatch(request.calls);
      case "load":
        return this.#load(request.version).then(
          () => ({}),
          (reason: unknown) => ({ error: HermesError.from(reason, ErrorCode.PLUGIN_REJECTED) }),
        );
      case "unload":
        this.#post({ type: "unload", id: request.id });
        return;
    }
  }

  protected override terminate(_reason: ExitReason): Promise<void> {
    this.#fail(`worker stopped`);
    const thread = this.#thread;
    this.#thread = undefined;
    return thread ? thread.terminate().then(() => undefined) : Promise.resolve();
  }

  /** A brutal kill skips `terminate`: the thread must not outlive its actor. */
  override kill(): void {
    const thread = this.#thread;
    this.#thread = undefined;
    this.#fail("worker killed");
    void thread?.terminate();
    super.kill();
  }

  protected override describe(): Record<string, string> {
    return { calls_served: String(this.#callsServed), busy: String(this.#batch !== undefined) };
  }

  #runBatch(calls: readonly PendingCall[]): Promise<BatchOutcome> {
    const first = this.#seq + 1;
    this.#seq += calls.length;
    const batch = pack(first, calls);
    return new Promise<BatchOutcome>((settle) => {
      this.#batch = { first, calls, settle };
      this.#thread?.postMessage({ type: "batch", batch } satisfies ToWorker, [
        batch.targetOf.buffer,
        batch.bounds.buffer,
        batch.data.buffer,
      ]);
      this.#watch();
    });
  }

  /**
   * Loads a version into the thread. Instantiating runs guest code (the
   * module's start function, then configure), so it has a deadline too: the
   * plugin's call budget plus a margin. Past it the thread is terminated.
   */
  #load(version: LoadedVersion): Promise<void> {
    const budgetMs = version.spec.callTimeoutMs + loadMarginMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const label = `${version.spec.name}@${version.spec.version}`;
        const error = new HermesError(
          ErrorCode.PLUGIN_REJECTED,
          `plugin ${label} did not load within ${budgetMs} ms (its start function or configure ran too long); the worker was terminated`,
          { retryable: false },
        );
        this.#loads.delete(version.id);
        reject(error);
        this.#terminateThread(error.rawMessage);
      }, budgetMs);
      const settle = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      this.#loads.set(version.id, { resolve: () => settle(), reject: settle });
      this.#post({ type: "load", id: version.id, module: version.module, spec: version.spec });
    });
  }

  /**
   * Terminates the thread from the main side; the actor exits and its supervisor starts a fresh
   * one.
   */
  #terminateThread(reason: string): void {
    const thread = this.#thread;
    if (!thread) return;
    this.#thread = undefined;
    this.#fail(reason);
    void thread.terminate();
    this.exit(new Error(reason));
  }

  #post(message: ToWorker): void {
    this.#thread?.postMessage(message);
  }

  #received(message: FromWorker): void {
    if (message.type === "ready") {
      this.#booting?.resolve();
      this.#booting = undefined;
      return;
    }
    if (message.type === "loaded") {
      const waiter = this.#loads.get(message.id);
      this.#loads.delete(message.id);
      if (message.error)
        waiter?.reject(
          new HermesError(ErrorCode.PLUGIN_REJECTED, message.error, { retryable: false }),
        );
      else waiter?.resolve();
      return;
    }
    if (message.type !== "results") return;
    const batch = this.#batch;
    this.#batch = undefined;
    clearTimeout(this.#watchdog);
    if (message.telemetry.logs.length || message.telemetry.metrics.length)
      this.#hooks.telemetry(message.telemetry);
    if (!batch) return;
    settleAll(batch, message.results);
    this.#callsServed += batch.calls.length;
    batch.settle({ requeue: [] });
  }

  /**
   * Re-arms the watchdog for the running call's deadline. Timers only fire at
   * deadlines (never per call); a late event loop makes the watchdog late,
   * never early.
   */
  #watch(): void {
    clearTimeout(this.#watchdog);
    const batch = this.#batch;
    if (!batch) return;
    const running = this.#running(batch);
    if (!running) {
      // Between calls, or the batch has not begun: look again within the shortest budget.
      const soonest = batch.calls.reduce((min, c) => Math.min(min, c.timeoutMs), Infinity);
      this.#watchdog = setTimeout(() => this.#watch(), soonest);
      return;
    }
    const now = (Date.now() - this.#epoch) | 0;
    const elapsed = (now - Atomics.load(this.#progress, progressSlots.startedAtMs)) | 0;
    if (elapsed < running.timeoutMs) {
      this.#watchdog = setTimeout(() => this.#watch(), running.timeoutMs - elapsed);
      return;
    }
    const error = new HermesError(
      ErrorCode.PLUGIN_FAILURE,
      `plugin ${running.label} ${running.fn} ran past its ${running.timeoutMs} ms deadline; its worker was terminated and is restarting`,
      { retryable: true },
    );
    this.#abortBatch(running, error);
    this.#terminateThread(
      `terminated by the watchdog: ${running.label} ${running.fn} overran ${running.timeoutMs} ms`,
    );
  }

  /**
   * The thread died on its own (crash, heap limit): the running call is to blame, the rest run
   * elsewhere.
   */
  #died(reason: string): void {
    if (!this.#thread) return;
    this.#thread = undefined;
    const booting = this.#booting !== undefined;
    this.#fail(reason);
    // While starting, the rejected init is the failure; once running, exit.
    if (!booting) this.exit(new Error(reason));
  }

  #fail(reason: string): void {
    this.#booting?.reject(new Error(reason));
    this.#booting = undefined;
    for (const load of this.#loads.values()) load.reject(new Error(reason));
    this.#loads.clear();
    const batch = this.#batch;
    if (!batch) return;
    const running = this.#running(batch);
    const label = running ? `${running.label} ${running.fn}` : "a plugin call";
    this.#abortBatch(
      running,
      new HermesError(ErrorCode.PLUGIN_FAILURE, `${reason} during ${label}`, { retryable: true }),
    );
  }

  #abortBatch(culprit: PendingCall | undefined, error: HermesError): void {
    const batch = this.#batch;
    this.#batch = undefined;
    clearTimeout(this.#watchdog);
    if (!batch) return;
    if (culprit) settle(culprit, undefined, error);
    batch.settle({ requeue: batch.calls.filter((c) => c !== culprit) });
  }

  /** The call the thread is running now, per the shared progress slots. */
  #running(batch: RunningBatch): PendingCall | undefined {
    const started = Atomics.load(this.#progress, progressSlots.started);
    if (started === Atomics.load(this.#progress, progressSlots.finished)) return undefined;
    return batch.calls[started - batch.first];
  }
}

/** Packs calls into transferable buffers (see PackedBatch). */
function pack(first: number, calls: readonly PendingCall[]) {
  const targets: CallTarget[] = [];
  const targetIndex = new Map<string, number>();
  const targetOf = new Uint32Array(calls.length);
  const bounds = new Uint32Array(calls.length + 1);
  let size = 0;
  for (const call of calls) size += call.input.length;
  const data = new Uint8Array(size);
  let offset = 0;
  calls.forEach((call, i) => {
    const key = `${call.plugin}\u0000${call.fn}\u0000${call.tenant}`;
    let index = targetIndex.get(key);
    if (index === undefined) {
      index = targets.push({ plugin: call.plugin, fn: call.fn, tenant: call.tenant }) - 1;
      targetIndex.set(key, index);
    }
    targetOf[i] = index;
    data.set(call.input, offset);
    offset += call.input.length;
    bounds[i + 1] = offset;
  });
  return { first, targets, targetOf, bounds, data };
}

const retryable = new Set<CallStatus>(["trap", "unloaded"]);
const decoder = new TextDecoder();

function settleAll(batch: RunningBatch, results: PackedResults): void {
  const { status, bounds, data } = results;
  for (const [i, call] of batch.calls.entries()) {
    const bytes = data.subarray(bounds[i], bounds[i + 1]);
    const kind = callStatus[status[i]!] ?? "error";
    if (kind === "ok") {
      settle(call, bytes);
      continue;
    }
    const what = kind === "error" ? "failed: " : kind === "limit" ? "broke a limit: " : "";
    settle(
      call,
      undefined,
      new HermesError(
        ErrorCode.PLUGIN_FAILURE,
        `plugin ${call.label} ${call.fn} ${what}${decoder.decode(bytes)}`,
        { retryable: retryable.has(kind) },
      ),
    );
  }
}

function settle(call: PendingCall, output: Uint8Array | undefined, error?: HermesError): void {
  call.settled = true;
  if (error) call.reject(error);
  else call.resolve(output!);
}

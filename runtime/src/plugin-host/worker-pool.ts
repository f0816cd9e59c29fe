import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { Supervisor, type Process } from "../kernel/index.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import {
  PluginWorker,
  type LoadedVersion,
  type BatchOutcome,
  type LoadOutcome,
  type PendingCall,
  type WorkerHooks,
} from "./worker-actor.js";
import type { Telemetry } from "./worker-protocol.js";
import { CallQueue } from "./call-queue.js";

export interface PluginPoolOptions {
  /** Names the supervisor and the workers, e.g. "plugins:twilio-sms". */
  readonly name: string;
  /** Worker threads; default 2. */
  readonly size?: number;
  /** Calls sent to a worker in one message; default 256. */
  readonly maxBatch?: number;
  /** SQLite file of the plugins' KV store; default a file in the OS temp dir, removed at stop. */
  readonly kvPath?: string;
  readonly log: Logger;
  readonly telemetry?: (telemetry: Telemetry) => void;
  /** Told when a worker becomes ready (capacity may have grown). */
  readonly capacityChanged?: () => void;
}

/** Where the pool's supervisor lives: under a route's supervisor, or its own root. */
export interface SupervisorParent {
  startChild(spec: {
    id: string;
    type: "supervisor";
    start: () => Promise<Process>;
  }): Promise<Process>;
}

export type PluginCallRequest = Omit<PendingCall, "resolve" | "reject" | "settled">;

/**
 * A supervised pool of plugin worker threads. Calls queue here and go to
 * idle workers in batches, flushed once per event-loop turn, so the cost of
 * crossing threads is paid per batch, not per call. Plugin versions loaded
 * into the pool are loaded into every worker, including workers the
 * supervisor starts later to replace one that was killed.
 */
export class PluginPool {
  readonly #options: PluginPoolOptions;
  readonly #size: number;
  readonly #maxBatch: number;
  readonly #kvPath: string;
  readonly #ownsKv: boolean;
  readonly #versions = new Map<string, LoadedVersion>();
  readonly #queue = new CallQueue<PendingCall>();
  readonly #idle = new Set<PluginWorker>();
  readonly #live = new Set<PluginWorker>();
  readonly #hooks: WorkerHooks;
  #flushScheduled = false;
  #root: Supervisor | undefined;
  #stopped = false;

  constructor(options: PluginPoolOptions) {
    this.#options = options;
    this.#size = Math.max(1, options.size ?? 2);
    this.#maxBatch = options.maxBatch ?? 256;
    this.#ownsKv = options.kvPath === undefined;
    this.#kvPath = options.kvPath ?? join(tmpdir(), `hermes-plugin-kv-${randomUUID()}.db`);
    this.#hooks = {
      versions: () => this.#versions.values(),
      kvPath: this.#kvPath,
      telemetry: (telemetry) => this.#options.telemetry?.(telemetry),
      ready: (worker) => this.#workerReady(worker),
    };
  }

  /**
   * Starts the workers under `parent` (a route's supervisor), or under a
   * supervisor of the pool's own. Resolves once every worker is ready.
   */
  async start(parent?: SupervisorParent): Promise<void> {
    const start = () => this.#startSupervisor();
    if (parent) await parent.startChild({ id: this.#options.name, type: "supervisor", start });
    else this.#root = await start();
  }

  /** Workers ready to take calls now. */
  get liveWorkers(): number {
    return this.#live.size;
  }

  get size(): number {
    return this.#size;
  }

  /** Calls waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Loads a plugin version into every worker; rejects if any live worker cannot load it. */
  async load(version: LoadedVersion): Promise<void> {
    this.#versions.set(version.id, version);
    const outcomes = await Promise.all(
      [...this.#live].map((worker) =>
        worker.call({ type: "load", version }, { timeoutMs: Infinity }).then(
          (outcome) => (outcome as LoadOutcome).error,
          // The worker exited before loading (it restarts and loads from #versions).
          () => undefined,
        ),
      ),
    );
    const error = outcomes.find((e) => e !== undefined);
    if (error) {
      this.unload(version.id);
      throw error;
    }
  }

  unload(id: string): void {
    if (!this.#versions.delete(id)) return;
    for (const worker of this.#live) void worker.call({ type: "unload", id }).catch(() => {});
  }

  /** Runs one plugin export; rejects with a HermesError (PLUGIN_FAILURE) when the call fails. */
  call(request: PluginCallRequest): Promise<Uint8Array> {
    if (this.#stopped) return Promise.reject(this.#stoppedError());
    return new Promise<Uint8Array>((resolve, reject) => {
      const { plugin, fn, input, tenant, timeoutMs, label } = request;
      const call = { plugin, fn, input, tenant, timeoutMs, label, settled: false, resolve, reject };
      this.#queue.push(call);
      this.#scheduleFlush();
    });
  }

  /** Fails what is still queued (retryably) and stops the workers it owns. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const call of this.#queue.drain()) call.reject(this.#stoppedError());
    await this.#root?.stop("shutdown");
    if (this.#ownsKv)
      for (const suffix of ["", "-wal", "-shm"]) rmSync(this.#kvPath + suffix, { force: true });
  }

  /** Calls the pool can no longer run may succeed on a later attempt (a restarted route). */
  #stoppedError(): HermesError {
    return new HermesError(
      ErrorCode.PLUGIN_FAILURE,
      `plugin pool ${this.#options.name} is stopped`,
      { retryable: true },
    );
  }

  #startSupervisor(): Promise<Supervisor> {
    return Supervisor.start({
      name: this.#options.name,
      strategy: "one_for_one",
      // A plugin that loops on every call kills a worker per call: restarts
      // back off instead of escalating, and the route keeps serving.
      intensity: 50,
      period: 10_000,
      backoff: { initialMs: 10, maxMs: 2000, resetAfterMs: 10_000 },
      logger: this.#options.log,
      children: Array.from({ length: this.#size }, (_, i) => ({
        id: `worker-${i}`,
        shutdown: 2000,
        start: () => new PluginWorker(`${this.#options.name}/worker-${i}`, this.#hooks).start(),
      })),
    });
  }

  #workerReady(worker: PluginWorker): void {
    this.#live.add(worker);
    this.#idle.add(worker);
    worker.onExit(() => {
      this.#live.delete(worker);
      this.#idle.delete(worker);
    });
    this.#options.capacityChanged?.();
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  /** Splits the queue over idle workers, at most maxBatch calls each. */
  #flush(): void {
    while (this.#queue.length > 0 && this.#idle.size > 0) {
      const worker = this.#idle.values().next().value!;
      this.#idle.delete(worker);
      const share = Math.min(this.#maxBatch, Math.ceil(this.#queue.length / (this.#idle.size + 1)));
      const batch = this.#queue.take(share);
      worker.call({ type: "batch", calls: batch }, { timeoutMs: Infinity }).then(
        (outcome) => this.#batchDone(worker, (outcome as BatchOutcome).requeue),
        // The actor exited before it could take the batch: nothing of it ran.
        () => this.#batchDone(worker, batch),
      );
    }
  }

  #batchDone(worker: PluginWorker, requeue: readonly PendingCall[]): void {
    const again = requeue.filter((call) => !call.settled);
    if (again.length > 0) this.#queue.unshift(again);
    if (this.#live.has(worker) && worker.alive) this.#idle.add(worker);
    if (this.#stopped) for (const call of this.#queue.drain()) call.reject(this.#stoppedError());
    this.#scheduleFlush();
  }
}

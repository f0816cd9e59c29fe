// Test fixtures for the kernel's own tests: a journal to await events on
// (no sleeps as assertions) and a worker that starts, crashes and stops on
// command, recording each step.
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { Actor, type ActorOptions } from "../actor.js";
import type { ChildSpec } from "../child-spec.js";
import type { ExitReason } from "../process.js";

/** An append-only list of what happened, with promises for what will. */
export class Journal {
  readonly entries: string[] = [];
  /** The running instance of each test worker, by id. */
  readonly workers = new Map<string, TestWorker>();
  #waiters: { readonly entry: string; readonly count: number; readonly resolve: () => void }[] = [];

  push(entry: string): void {
    this.entries.push(entry);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.#count(w.entry) < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `entry` has been recorded `count` times. */
  until(entry: string, count = 1): Promise<void> {
    if (this.#count(entry) >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ entry, count, resolve }));
  }

  /** Entries recorded since index `from`. */
  since(from: number): string[] {
    return this.entries.slice(from);
  }

  /** A pino logger whose messages are journalled as `log:<msg>`. */
  logger(): Logger {
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.push(`log:${(JSON.parse(chunk.toString()) as { msg: string }).msg}`);
        done();
      },
    });
    return pino({ level: "info" }, stream);
  }

  #count(entry: string): number {
    return this.entries.filter((e) => e === entry).length;
  }
}

export type TestCall = "ping" | "crash" | { readonly sleepMs: number };
export type TestCast = "crash" | "normal_exit";

export interface TestWorkerOptions extends ActorOptions {
  /** `terminate` waits this long (or forever for Infinity), to test shutdown timeouts. */
  readonly terminateMs?: number;
}

/** Journals `start:<id>` and `stop:<id>`; crashes or exits when told. */
export class TestWorker extends Actor<TestCall, string, TestCast> {
  constructor(
    readonly id: string,
    readonly journal: Journal,
    readonly options: TestWorkerOptions = {},
  ) {
    super({ name: id, ...options });
  }

  /** Crashes from outside a handler, as a socket 'close' listener would. */
  fail(message: string): void {
    this.exit(new Error(message));
  }

  protected override init(): void {
    this.journal.workers.set(this.id, this);
    this.journal.push(`start:${this.id}`);
  }

  protected override async handleCall(msg: TestCall): Promise<string> {
    if (msg === "crash") throw new Error(`${this.id} crashed`);
    if (msg === "ping") return "pong";
    await delay(msg.sleepMs);
    return "slept";
  }

  protected override handleCast(msg: TestCast): void {
    if (msg === "crash") throw new Error(`${this.id} crashed`);
    this.exit("normal");
  }

  protected override async terminate(_reason: ExitReason): Promise<void> {
    const ms = this.options.terminateMs ?? 0;
    if (ms > 0) await delay(ms);
    this.journal.push(`stop:${this.id}`);
  }
}

/** A child spec starting a `TestWorker`. */
export function workerSpec(
  id: string,
  journal: Journal,
  spec: Partial<ChildSpec> = {},
  options: TestWorkerOptions = {},
): ChildSpec {
  return { id, start: () => new TestWorker(id, journal, options).start(), ...spec };
}

/** Resolves after `ms` (Infinity: never). */
export function delay(ms: number): Promise<void> {
  return Number.isFinite(ms)
    ? new Promise((resolve) => setTimeout(resolve, ms))
    : new Promise(() => {});
}

/** A deterministic pseudo-random generator (mulberry32), for property tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

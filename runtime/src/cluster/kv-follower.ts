import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/nats-core";

/**
 * Follows a KV bucket: every key's current value first, then every change,
 * in the order they were written, each applied before the next. KV has no
 * query, so this is how a node keeps a view of a bucket. `caughtUp()`
 * resolves once the view includes every write made before the call.
 */
export class KvFollower {
  readonly #kv: KV;
  readonly #apply: (entry: KvWatchEntry) => Promise<void> | void;
  /** The last revision (stream sequence) applied. */
  #seen = 0;
  #watch: QueuedIterator<KvWatchEntry> | undefined;
  #starting: Promise<void> | undefined;
  #stopped = false;
  readonly #waiting = new Set<() => void>();

  constructor(kv: KV, apply: (entry: KvWatchEntry) => Promise<void> | void) {
    this.#kv = kv;
    this.#apply = apply;
  }

  async caughtUp(): Promise<void> {
    this.#starting ??= this.#start();
    await this.#starting;
    const last = (await this.#kv.status()).streamInfo.state.last_seq;
    while (this.#seen < last && !this.#stopped)
      await new Promise<void>((resolve) => this.#waiting.add(resolve));
  }

  async #start(): Promise<void> {
    const watch = await this.#kv.watch();
    this.#watch = watch;
    void (async () => {
      for await (const entry of watch) {
        await this.#apply(entry);
        this.#seen = Math.max(this.#seen, entry.revision);
        for (const wake of this.#waiting) wake();
        this.#waiting.clear();
      }
    })();
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.stop();
    for (const wake of this.#waiting) wake();
  }
}

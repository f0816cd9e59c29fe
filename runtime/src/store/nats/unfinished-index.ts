import type { QueuedIterator } from "@nats-io/nats-core";
import type { KvWatchEntry } from "@nats-io/kv";
import type { NatsCluster } from "../../cluster/nats-cluster.js";
import { isTerminal } from "../message-state.js";
import { decodeState } from "./records.js";

/**
 * The unfinished messages of the whole cluster with when each expires, kept
 * by watching the state bucket: KV has no query, so this is how expiry finds
 * its candidates. It starts on first use and then follows every change.
 * `current()` first catches up with the bucket as it is at the call, so a
 * caller sees its own earlier writes.
 */
export class UnfinishedIndex {
  readonly #cluster: NatsCluster;
  readonly #expiry = new Map<string, number>();
  /** The last revision (stream sequence) applied. */
  #seen = 0;
  #watch: QueuedIterator<KvWatchEntry> | undefined;
  #starting: Promise<void> | undefined;
  #stopped = false;
  readonly #waiting = new Set<() => void>();

  constructor(cluster: NatsCluster) {
    this.#cluster = cluster;
  }

  /** Unfinished message ids with when they expire (ms since the epoch), as of now. */
  async current(): Promise<ReadonlyMap<string, number>> {
    this.#starting ??= this.#start();
    await this.#starting;
    const status = await this.#cluster.states.status();
    const last = status.streamInfo.state.last_seq;
    while (this.#seen < last && !this.#stopped)
      await new Promise<void>((resolve) => this.#waiting.add(resolve));
    return this.#expiry;
  }

  async #start(): Promise<void> {
    const watch = await this.#cluster.states.watch();
    this.#watch = watch;
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation !== "PUT") this.#expiry.delete(entry.key);
        else {
          const state = decodeState(entry.value);
          if (isTerminal(state.status)) this.#expiry.delete(entry.key);
          else this.#expiry.set(entry.key, state.expiresAt);
        }
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

import type { KvWatchEntry } from "@nats-io/kv";
import { KvFollower } from "../../cluster/kv-follower.js";
import type { NatsCluster } from "../../cluster/nats-cluster.js";
import { isTerminal } from "../message-state.js";
import { decodeState } from "./records.js";

/**
 * The unfinished messages of the whole cluster with when each expires, kept
 * by following the state bucket: KV has no query, so this is how expiry finds
 * its candidates. It starts on first use and then follows every change;
 * `current()` first catches up with the bucket as it is at the call, so a
 * caller sees its own earlier writes.
 */
export class UnfinishedIndex {
  readonly #cluster: NatsCluster;
  readonly #expiry = new Map<string, number>();
  #follower: KvFollower | undefined;

  constructor(cluster: NatsCluster) {
    this.#cluster = cluster;
  }

  /** Unfinished message ids with when they expire (ms since the epoch), as of now. */
  async current(): Promise<ReadonlyMap<string, number>> {
    this.#follower ??= new KvFollower(this.#cluster.states, (entry) => this.#apply(entry));
    await this.#follower.caughtUp();
    return this.#expiry;
  }

  #apply(entry: KvWatchEntry): void {
    const state = entry.operation === "PUT" ? decodeState(entry.value) : undefined;
    if (state && !isTerminal(state.status)) this.#expiry.set(entry.key, state.expiresAt);
    else this.#expiry.delete(entry.key);
  }

  /** Stops following (it starts again, from scratch, on the next use). */
  stop(): void {
    this.#follower?.stop();
    this.#follower = undefined;
    this.#expiry.clear();
  }
}

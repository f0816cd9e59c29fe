import type { KvWatchEntry } from "@nats-io/kv";
import { KvFollower } from "../../cluster/kv-follower.js";
import { token, untoken } from "../../cluster/names.js";
import { type NatsCluster, unavailable } from "../../cluster/nats-cluster.js";
import { HermesError } from "../../errors/hermes-error.js";
import type {
  SuppressionChange,
  SuppressionEntry,
  SuppressionStore,
  SuppressionUpdate,
} from "../suppression-store.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An audit record as the stream holds it; its sequence is the stream's. */
type StoredChange = Omit<SuppressionChange, "sequence">;

/**
 * Suppression lists on NATS (docs/scale-out.md): each entry is a KV entry
 * keyed `<tenant>.<address>.<channel>` (tokens, so the key says whose entry
 * it is even once deleted), and each change a record on the tenant's subject
 * of the audit stream, whose sequence orders the trail. A change is audited
 * before it is applied: every entry that changed has its record (a write
 * that fails after its record leaves a record of a change that did not
 * happen, and the caller's error). Every node keeps the lists in memory and
 * follows the bucket, so an entry added on one node holds back Sends on all.
 */
export class NatsSuppressions implements SuppressionStore {
  readonly #cluster: NatsCluster;

  constructor(cluster: NatsCluster) {
    this.#cluster = cluster;
  }

  entries(): Promise<SuppressionEntry[]> {
    return this.#trying("try again", async () => {
      const entries = new Map<string, SuppressionEntry>();
      const follower = new KvFollower(this.#cluster.suppressions, (entry) => {
        if (entry.operation === "PUT") entries.set(entry.key, decode(entry.value));
        else entries.delete(entry.key);
      });
      try {
        await follower.caughtUp();
      } finally {
        follower.stop();
      }
      return [...entries.values()];
    });
  }

  add(entry: SuppressionEntry, actor: string): Promise<SuppressionChange> {
    return this.#trying("the entry was not added", async () => {
      const change = await this.#audit({
        action: "added",
        entry,
        actor,
        time: Date.now(),
        note: "",
      });
      await this.#cluster.suppressions.put(keyOf(entry), JSON.stringify(entry));
      return change;
    });
  }

  remove(
    tenant: string,
    address: string,
    options: Parameters<SuppressionStore["remove"]>[2],
  ): Promise<SuppressionChange[]> {
    return this.#trying("the entries were not removed", async () => {
      const kv = this.#cluster.suppressions;
      const changes: SuppressionChange[] = [];
      for await (const key of await kv.keys(`${token(tenant)}.${token(address)}.*`)) {
        const stored = await kv.get(key);
        if (stored?.operation !== "PUT") continue;
        const entry = decode(stored.value);
        if (options.channel !== undefined && entry.channel !== options.channel) continue;
        if (options.only && !options.only(entry)) continue;
        const { actor, note } = options;
        changes.push(
          await this.#audit({ action: "removed", entry, actor, time: Date.now(), note }),
        );
        await kv.delete(key);
      }
      return changes.sort((a, b) => a.entry.channel - b.entry.channel);
    });
  }

  changes(tenant: string, after: number, limit: number): Promise<SuppressionChange[]> {
    return this.#trying("try again", async () => {
      const { jsm, names } = this.#cluster;
      const subject = `${names.suppressionChangeSubject}.${token(tenant)}`;
      const found: SuppressionChange[] = [];
      let seq = after + 1;
      while (found.length < limit) {
        const stored = await jsm.direct.getMessage(names.suppressionChangesStream, {
          seq,
          next_by_subj: subject,
        });
        if (!stored) break;
        const change = JSON.parse(decoder.decode(stored.data)) as StoredChange;
        found.push({ ...change, sequence: stored.seq });
        seq = stored.seq + 1;
      }
      return found;
    });
  }

  follow(listener: (update: SuppressionUpdate) => void): Promise<() => void> {
    return this.#trying("cannot follow the suppression lists", async () => {
      const follower = new KvFollower(this.#cluster.suppressions, (entry) =>
        listener(updateOf(entry)),
      );
      await follower.caughtUp();
      return () => follower.stop();
    });
  }

  async #audit(change: StoredChange): Promise<SuppressionChange> {
    const { js, names } = this.#cluster;
    const subject = `${names.suppressionChangeSubject}.${token(change.entry.tenant)}`;
    const ack = await js.publish(subject, encoder.encode(JSON.stringify(change)));
    return { ...change, sequence: ack.seq };
  }

  async #trying<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      this.#cluster.ensureConnected();
      return await run();
    } catch (reason) {
      throw reason instanceof HermesError ? reason : unavailable(reason, what);
    }
  }
}

function keyOf(entry: SuppressionEntry): string {
  return `${token(entry.tenant)}.${token(entry.address)}.${entry.channel}`;
}

function decode(value: Uint8Array): SuppressionEntry {
  return JSON.parse(decoder.decode(value)) as SuppressionEntry;
}

function updateOf(entry: KvWatchEntry): SuppressionUpdate {
  if (entry.operation === "PUT") return { present: true, entry: decode(entry.value) };
  const [tenant, address, channel] = entry.key.split(".");
  return {
    present: false,
    tenant: untoken(tenant!),
    address: untoken(address!),
    channel: Number(channel),
  };
}

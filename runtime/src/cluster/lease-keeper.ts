import type { Logger } from "pino";
import type { BindLeases, LeaseHolder } from "../router/adapter.js";
import { isConflict } from "../store/nats/conflicts.js";
import type { NatsCluster } from "./nats-cluster.js";

/** A lease as GetHealth shows it. */
export interface LeaseStatus {
  readonly key: string;
  /** The node that holds it, as last seen ("" when free). */
  readonly holder: string;
  readonly heldHere: boolean;
}

interface Lease {
  readonly key: string;
  readonly holder: LeaseHolder;
  /** The KV revision of this node's last write; 0 while not held here. */
  revision: number;
  /** performance.now() when the last successful write was sent. */
  renewedAt: number;
  /** Who holds it, as last seen. */
  owner: string;
  /** Ticks in a row it was seen free. */
  freeTicks: number;
  /** A lost() or acquired() still running: the lease waits for it. */
  busy: Promise<void> | undefined;
  /**
   * Whether it counts towards spreading (binds do; the housekeeping lease goes to whoever is free).
   */
  readonly spread: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Carrier binds owned by exactly one node (docs/scale-out.md, "Leases and
 * failover"). A lease is a key in a KV bucket whose entries live
 * `leaseTtlMs`. A node takes a free lease with `create` (which fails if the
 * key exists) and renews it every `leaseRenewMs` with `update` at the
 * revision it wrote last, so two holders are impossible: a renewal that
 * finds another writer's revision has lost the lease. A holder that cannot
 * renew gives the lease up by itself `leaseRenewMs` before the server could
 * hand it to another node, and stops what it guards (unbinds). When a
 * holder dies, its key expires and another node creates it.
 *
 * Leases spread over the live nodes: a node takes a free lease only while it
 * holds fewer than its fair share (wanted / live nodes, rounded up), or once
 * the lease has stayed free for two ticks, and gives one back per tick when
 * it holds more. Live nodes are counted from heartbeats in another bucket
 * with the same TTL.
 */
export class LeaseKeeper implements BindLeases {
  readonly #cluster: NatsCluster;
  readonly #log: Logger;
  readonly #leases = new Map<string, Lease>();
  /** Leases in the order they were taken here: the last is given back first. */
  readonly #order: Lease[] = [];
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #stopped = false;

  constructor(cluster: NatsCluster, log: Logger) {
    this.#cluster = cluster;
    this.#log = log;
  }

  get node(): string {
    return this.#cluster.config.node;
  }

  start(): void {
    this.#timer = setInterval(() => {
      // Before anything that waits on NATS: a tick stuck on a request must not keep a lease.
      this.#enforceDeadlines();
      void this.#tick();
    }, this.#cluster.config.leaseRenewMs);
    this.#timer.unref();
  }

  /**
   * Gives up every lease this node could not renew in time, before the server could give it away.
   */
  #enforceDeadlines(): void {
    const { leaseTtlMs, leaseRenewMs } = this.#cluster.config;
    const now = performance.now();
    for (const lease of this.#leases.values())
      if (lease.revision > 0 && now > lease.renewedAt + leaseTtlMs - leaseRenewMs)
        this.#lost(lease, "it could not be renewed in time");
  }

  /** With `spread: false` the lease is taken whenever free and does not count in a node's share. */
  hold(key: string, holder: LeaseHolder, options: { spread?: boolean } = {}): () => Promise<void> {
    const lease: Lease = {
      spread: options.spread ?? true,
      key,
      holder,
      revision: 0,
      renewedAt: 0,
      owner: "",
      freeTicks: 0,
      busy: undefined,
    };
    this.#leases.set(key, lease);
    setImmediate(() => void this.#tick());
    return async () => {
      this.#leases.delete(key);
      await this.#release(lease);
    };
  }

  /** Whether this node holds `key` now. */
  holds(key: string): boolean {
    return (this.#leases.get(key)?.revision ?? 0) > 0;
  }

  status(): LeaseStatus[] {
    return [...this.#leases.values()].map((lease) => ({
      key: lease.key,
      holder: lease.revision > 0 ? this.node : lease.owner,
      heldHere: lease.revision > 0,
    }));
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#stopped || this.#leases.size === 0 || !this.#cluster.connected)
      return;
    this.#ticking = true;
    try {
      const live = await this.#heartbeat();
      const spread = [...this.#leases.values()].filter((lease) => lease.spread).length;
      const fairShare = Math.ceil(spread / Math.max(1, live));
      for (const lease of this.#leases.values()) {
        if (lease.busy) continue;
        if (lease.revision > 0) await this.#renew(lease);
        else await this.#tryTake(lease, !lease.spread || this.#order.length < fairShare);
      }
      if (this.#order.length > fairShare && live > 1) {
        const extra = this.#order.at(-1)!;
        this.#log.info({ lease: extra.key, live, fairShare }, "giving a lease back to spread them");
        await this.#release(extra);
      }
    } catch (reason) {
      this.#log.warn({ err: reason }, "lease tick failed");
    } finally {
      this.#ticking = false;
    }
  }

  /** Says this node is alive; resolves with how many nodes are. */
  async #heartbeat(): Promise<number> {
    const nodes = this.#cluster.nodes;
    await nodes.put(this.node, encoder.encode(String(Date.now())));
    let live = 0;
    for await (const _ of await nodes.keys()) live++;
    return live;
  }

  async #renew(lease: Lease): Promise<void> {
    const sentAt = performance.now();
    const held = lease.revision;
    try {
      const revision = await this.#cluster.leases.update(
        lease.key,
        encoder.encode(this.node),
        held,
      );
      if (lease.revision !== held) {
        // Given up meanwhile (its deadline passed): free the key the late renewal wrote.
        await this.#cluster.leases
          .delete(lease.key, { previousSeq: revision })
          .catch(() => undefined);
        return;
      }
      lease.revision = revision;
      lease.renewedAt = sentAt;
    } catch (reason) {
      if (isConflict(reason) && lease.revision === held) this.#lost(lease, "another node holds it");
      // Otherwise NATS is unreachable: the deadline decides (#enforceDeadlines).
    }
  }

  async #tryTake(lease: Lease, underShare: boolean): Promise<void> {
    const entry = await this.#cluster.leases.get(lease.key);
    if (entry?.operation === "PUT") {
      lease.owner = decoder.decode(entry.value);
      lease.freeTicks = 0;
      return;
    }
    lease.owner = "";
    lease.freeTicks++;
    if (!underShare && lease.freeTicks < 2) return;
    const sentAt = performance.now();
    try {
      lease.revision = await this.#cluster.leases.create(lease.key, encoder.encode(this.node));
    } catch (reason) {
      if (isConflict(reason)) return; // another node was quicker
      throw reason;
    }
    lease.renewedAt = sentAt;
    lease.freeTicks = 0;
    if (lease.spread) this.#order.push(lease);
    this.#log.info({ lease: lease.key, node: this.node }, "lease taken");
    lease.busy = this.#settle(lease, () => lease.holder.acquired());
  }

  #lost(lease: Lease, why: string): void {
    this.#log.warn({ lease: lease.key, node: this.node }, `lease lost: ${why}`);
    this.#forget(lease);
    lease.busy = this.#settle(lease, () => lease.holder.lost());
  }

  /** Gives a lease back: stops what it guards, then frees the key for another node at once. */
  async #release(lease: Lease): Promise<void> {
    await lease.busy;
    if (lease.revision === 0) return;
    const revision = lease.revision;
    this.#forget(lease);
    await lease.holder.lost();
    await this.#cluster.leases.delete(lease.key, { previousSeq: revision }).catch(() => undefined); // it expires by itself
  }

  #forget(lease: Lease): void {
    lease.revision = 0;
    lease.owner = "";
    const at = this.#order.indexOf(lease);
    if (at >= 0) this.#order.splice(at, 1);
  }

  async #settle(lease: Lease, work: () => Promise<void> | void): Promise<void> {
    try {
      await work();
    } catch (reason) {
      this.#log.error(
        { err: reason, lease: lease.key },
        "starting or stopping a leased part failed",
      );
    } finally {
      lease.busy = undefined;
    }
  }

  /**
   * Gives every lease back (a graceful stop): other nodes take them without waiting for the TTL.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all([...this.#leases.values()].map((lease) => this.#release(lease)));
    await this.#cluster.nodes.delete(this.node).catch(() => undefined);
  }
}

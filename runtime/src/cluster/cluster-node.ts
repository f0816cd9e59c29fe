import type { Logger } from "pino";
import type { NatsConfig } from "../config/nats-config.js";
import type { EventBus } from "../events/event-bus.js";
import type { PluginRegistry } from "../plugin-registry/index.js";
import { NatsStore } from "../store/nats/nats-store.js";
import { ClusterPlugins } from "./cluster-plugins.js";
import { followEvents } from "./event-feed.js";
import { JetStreamQueues } from "./jetstream-queue.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { type NatsCluster, openNatsCluster } from "./nats-cluster.js";

/** The lease of the node that runs the cluster's expiry sweep. */
const housekeeping = "housekeeping";

/**
 * This gateway as one node of a cluster on NATS JetStream: the connection,
 * the store, the routes' shared work queues, the bind leases and the feed of
 * every node's events. The gateway composes it in place of SQLite when
 * `store.kind` is "nats".
 */
export class ClusterNode {
  readonly cluster: NatsCluster;
  readonly store: NatsStore;
  readonly queues: JetStreamQueues;
  readonly leases: LeaseKeeper;
  readonly #log: Logger;
  #plugins: ClusterPlugins | undefined;
  #unfollow: (() => void) | undefined;

  private constructor(cluster: NatsCluster, log: Logger) {
    this.cluster = cluster;
    this.#log = log;
    this.leases = new LeaseKeeper(cluster, log.child({ component: "leases" }));
    // One node expires messages for the cluster: the one holding this lease.
    this.store = new NatsStore(cluster, { sweeps: () => this.leases.holds(housekeeping) });
    this.queues = new JetStreamQueues(cluster, this.store, log);
  }

  static async join(config: NatsConfig, log: Logger): Promise<ClusterNode> {
    const node = new ClusterNode(await openNatsCluster(config), log);
    node.leases.hold(housekeeping, { acquired() {}, lost() {} }, { spread: false });
    node.leases.start();
    log.info({ node: config.node, servers: config.servers }, "joined the NATS cluster");
    return node;
  }

  /**
   * The cluster's plugins, kept in `local` (this node's registry, bound to
   * its plugin host): brought up to date before it resolves, so routes that
   * run plugins start on the cluster's active versions.
   */
  async plugins(local: PluginRegistry): Promise<ClusterPlugins> {
    this.#plugins = new ClusterPlugins(
      this.cluster,
      local,
      this.#log.child({ component: "cluster-plugins" }),
    );
    await this.#plugins.start();
    return this.#plugins;
  }

  /** The connection and the leases, for GetHealth. */
  health() {
    const { cluster } = this;
    return {
      node: cluster.config.node,
      connected: cluster.connected,
      server: cluster.server,
      reason: cluster.connected ? "" : cluster.lastError,
      leases: this.leases.status(),
    };
  }

  /** Feeds every node's events to this node's watchers, from now on. */
  async follow(bus: EventBus): Promise<void> {
    this.#unfollow = await followEvents(this.cluster, bus);
  }

  /** Stops the parts that keep running once the routes are stopped, and leaves the cluster. */
  async leave(): Promise<void> {
    this.#unfollow?.();
    this.#plugins?.stop();
    this.queues.stop();
    await this.leases.stop();
    await this.store.close();
    await this.cluster.close();
  }
}

import type { Logger } from "pino";
import { ClusterNode } from "../cluster/cluster-node.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import type { MessageStore } from "../store/message-store.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { KeywordMatcher } from "../suppression/keywords.js";
import { SuppressionList } from "../suppression/suppression-list.js";

/** Where a gateway keeps its messages, and what lives beside them. */
export interface Storage {
  /** The cluster this gateway is a node of (store.kind "nats"); absent: one process on SQLite. */
  readonly node: ClusterNode | undefined;
  readonly store: MessageStore;
  /** The tenants' suppression lists, when the store keeps them. */
  readonly suppressions: SuppressionList | undefined;
  /** Leaves the cluster, or closes the SQLite file. */
  close(): Promise<void>;
}

/**
 * Opens the message store the config names: SQLite in one file, or a node of
 * a NATS JetStream cluster (whose store, work queues and bind leases are the
 * cluster's), with the tenants' suppression lists loaded from it.
 */
export async function openStorage(config: GatewayConfig, log: Logger): Promise<Storage> {
  const node = config.store.nats && (await ClusterNode.join(config.store.nats, log));
  const store: MessageStore =
    node?.store ??
    new SqliteStore({ path: config.store.path, synchronous: config.store.synchronous });
  const suppressions =
    store.suppressions &&
    (await SuppressionList.open(
      store.suppressions,
      new KeywordMatcher(config.suppression.keywords),
      log.child({ component: "suppressions" }),
    ));
  return {
    node: node || undefined,
    store,
    suppressions,
    async close() {
      suppressions?.close();
      await (node ? node.leave() : store.close());
    },
  };
}

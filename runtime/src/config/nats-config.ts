import type { InvalidConfig } from "./config-readers.js";
import { configReaders } from "./config-readers.js";

/**
 * The JetStream backend's settings (`store.kind: "nats"`, docs/scale-out.md):
 * where the servers are, what the streams and buckets are called, how many
 * replicas they keep, and the timings of the work queue and the bind leases.
 */
export interface NatsConfig {
  /** Server URLs; the client reconnects to any of them. */
  readonly servers: readonly string[];
  /** Names every stream, bucket and subject of this gateway cluster ([A-Za-z0-9_-]). */
  readonly prefix: string;
  /** Replicas of every stream and bucket (1, or 3 on a 3-server NATS cluster). */
  readonly replicas: number;
  /** This node's name, unique in the cluster; default: hostname and process id. */
  readonly node: string;
  /** How long a provider id points at its message (the correlation bucket's max_age). */
  readonly correlationTtlMs: number;
  /** How long a taken message stays with a node that stops confirming it is working on it. */
  readonly ackWaitMs: number;
  /** Messages of one route taken by all nodes and not yet acknowledged, at most. */
  readonly maxAckPending: number;
  /** A bind lease's time to live (the lease bucket's max_age). */
  readonly leaseTtlMs: number;
  /** How often a node renews its leases and tries to take free ones. */
  readonly leaseRenewMs: number;
  /** How long a request to NATS may take before it counts as unavailable. */
  readonly timeoutMs: number;
}

export const natsDefaults = {
  prefix: "hermes",
  replicas: 1,
  correlationTtlMs: 72 * 3600 * 1000,
  ackWaitMs: 30_000,
  maxAckPending: 10_000,
  leaseTtlMs: 10_000,
  leaseRenewMs: 3_000,
  timeoutMs: 5_000,
} as const;

/** Reads the NATS settings of `store` (the config file's flat shape), naming the field at fault. */
export function parseNatsConfig(
  store: Record<string, unknown>,
  invalid: InvalidConfig,
  defaultNode: string,
): NatsConfig {
  const { array, string, integer } = configReaders(invalid);
  const servers = array(store.servers, "store.servers").map((s, i) => {
    const url = string(s, `store.servers[${i}]`)!;
    if (!/^(nats|tls|wss?):\/\/[^\s/]+$|^[^\s/:]+:[0-9]+$/.test(url))
      throw invalid(`store.servers[${i}]`, `is not a NATS URL (nats://host:port): ${url}`);
    return url;
  });
  if (servers.length === 0)
    throw invalid(
      "store.servers",
      'is required for store.kind "nats" (e.g. ["nats://127.0.0.1:4222"])',
    );
  const prefix = string(store.prefix, "store.prefix") ?? natsDefaults.prefix;
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix))
    throw invalid("store.prefix", "must match [A-Za-z0-9_-]{1,32}");
  const node = string(store.node, "store.node") ?? defaultNode;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(node))
    throw invalid("store.node", "must match [A-Za-z0-9_-]{1,64}");
  const leaseTtlMs = integer(store.leaseTtlMs, "store.leaseTtlMs", 1000) ?? natsDefaults.leaseTtlMs;
  const leaseRenewMs =
    integer(store.leaseRenewMs, "store.leaseRenewMs", 100) ?? natsDefaults.leaseRenewMs;
  // A holder must renew at least twice within the TTL, or a slow tick loses its lease.
  if (leaseRenewMs * 2 > leaseTtlMs)
    throw invalid("store.leaseRenewMs", `must be at most half of store.leaseTtlMs (${leaseTtlMs})`);
  return {
    servers,
    prefix,
    node,
    replicas: integer(store.replicas, "store.replicas", 1, 5) ?? natsDefaults.replicas,
    correlationTtlMs:
      integer(store.correlationTtlMs, "store.correlationTtlMs", 1000) ??
      natsDefaults.correlationTtlMs,
    ackWaitMs: integer(store.ackWaitMs, "store.ackWaitMs", 1000) ?? natsDefaults.ackWaitMs,
    maxAckPending:
      integer(store.maxAckPending, "store.maxAckPending", 1) ?? natsDefaults.maxAckPending,
    leaseTtlMs,
    leaseRenewMs,
    timeoutMs: integer(store.timeoutMs, "store.timeoutMs", 100) ?? natsDefaults.timeoutMs,
  };
}

import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { type ObjectStore, Objm } from "@nats-io/obj";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { NatsConfig } from "../config/nats-config.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { clusterNames, type ClusterNames } from "./names.js";

/** What the cluster's parts share: one connection, the JetStream clients, and every bucket. */
export interface NatsCluster {
  readonly config: NatsConfig;
  readonly names: ClusterNames;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Message states, by message id. */
  readonly states: KV;
  /** Message ids, by tenant and idempotency key. */
  readonly idempotency: KV;
  /** Provider ids to messages, per route; entries live `correlationTtlMs`. */
  readonly correlations: KV;
  /** Message ids by tenant and recipient, for FindMessages. */
  readonly recipients: KV;
  /** Bind leases and housekeeping; entries live `leaseTtlMs` unless renewed. */
  readonly leases: KV;
  /** Live nodes' heartbeats, which size each node's fair share of the leases. */
  readonly nodes: KV;
  /** Plugin versions, activations and trusted keys. */
  readonly plugins: KV;
  /** Plugin artifacts, by SHA-256. */
  readonly artifacts: ObjectStore;
  /** Suppression entries (store/nats/nats-suppressions.ts). */
  readonly suppressions: KV;
  /** Whether the connection is up now (it reconnects by itself). */
  readonly connected: boolean;
  /** Why it is not, for errors and health. */
  readonly lastError: string;
  /** The server the connection is on. */
  readonly server: string;
  /** Fails fast with STORE_UNAVAILABLE while the connection is down. */
  ensureConnected(): void;
  close(): Promise<void>;
}

/**
 * Connects to NATS and makes sure every stream and bucket the gateway uses
 * exists with the configured replicas: creating them is idempotent, so the
 * first node of a cluster creates them and the others find them. The
 * connection reconnects forever; while it is down, `connected` is false and
 * writes fail fast instead of waiting for it.
 */
export async function openNatsCluster(config: NatsConfig): Promise<NatsCluster> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: [...config.servers],
      name: `hermes-${config.node}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: config.timeoutMs,
      pingInterval: 5_000,
    });
  } catch (reason) {
    throw unavailable(reason, `cannot connect to ${config.servers.join(", ")}`);
  }
  try {
    const names = clusterNames(config.prefix);
    const js = jetstream(nc, { timeout: config.timeoutMs });
    const jsm = await jetstreamManager(nc, { timeout: config.timeoutMs });
    const replicas = config.replicas;
    const stream = { num_replicas: replicas, storage: StorageType.File, allow_direct: true };
    await ensureStream(jsm, {
      ...stream,
      name: names.messagesStream,
      subjects: [`${names.messageSubject}.>`],
      max_msgs_per_subject: 1,
    });
    await ensureStream(jsm, {
      ...stream,
      name: names.eventsStream,
      subjects: [`${names.eventSubject}.>`],
    });
    await ensureStream(jsm, {
      ...stream,
      name: names.workStream,
      subjects: [`${names.workSubject}.>`],
      retention: RetentionPolicy.Workqueue,
    });
    await ensureStream(jsm, {
      ...stream,
      name: names.suppressionChangesStream,
      subjects: [`${names.suppressionChangeSubject}.>`],
    });
    const kvm = new Kvm(js);
    const bucket = (name: string, ttl = 0) =>
      kvm.create(name, {
        replicas,
        history: 1,
        ttl,
        allow_direct: true,
        timeout: config.timeoutMs,
      });
    const artifacts = await new Objm(js).create(names.artifactsBucket, { replicas });
    const parts = {
      states: await bucket(names.statesBucket),
      idempotency: await bucket(names.idempotencyBucket),
      correlations: await bucket(names.correlationsBucket, config.correlationTtlMs),
      recipients: await bucket(names.recipientsBucket),
      leases: await bucket(names.leasesBucket, config.leaseTtlMs),
      nodes: await bucket(names.nodesBucket, config.leaseTtlMs),
      plugins: await bucket(names.pluginsBucket),
      artifacts,
      suppressions: await bucket(names.suppressionsBucket),
    };
    return new Connected(config, names, nc, js, jsm, parts);
  } catch (reason) {
    await nc.close().catch(() => undefined);
    throw unavailable(reason, "cannot set up the JetStream streams and buckets");
  }
}

type Parts = Pick<
  NatsCluster,
  | "states"
  | "idempotency"
  | "correlations"
  | "recipients"
  | "leases"
  | "nodes"
  | "plugins"
  | "artifacts"
  | "suppressions"
>;

class Connected implements NatsCluster {
  readonly states: KV;
  readonly idempotency: KV;
  readonly correlations: KV;
  readonly recipients: KV;
  readonly leases: KV;
  readonly nodes: KV;
  readonly plugins: KV;
  readonly artifacts: ObjectStore;
  readonly suppressions: KV;
  #connected = true;
  #lastError = "";

  constructor(
    readonly config: NatsConfig,
    readonly names: ClusterNames,
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    parts: Parts,
  ) {
    this.states = parts.states;
    this.idempotency = parts.idempotency;
    this.correlations = parts.correlations;
    this.recipients = parts.recipients;
    this.leases = parts.leases;
    this.nodes = parts.nodes;
    this.plugins = parts.plugins;
    this.artifacts = parts.artifacts;
    this.suppressions = parts.suppressions;
    void this.#follow();
  }

  get connected(): boolean {
    return this.#connected && !this.nc.isClosed();
  }

  get lastError(): string {
    return this.#lastError;
  }

  get server(): string {
    return this.nc.getServer();
  }

  ensureConnected(): void {
    if (!this.connected)
      throw unavailable(this.#lastError || "the connection is down", "reconnecting");
  }

  async #follow(): Promise<void> {
    for await (const status of this.nc.status()) {
      switch (status.type) {
        case "disconnect":
        case "reconnecting":
          this.#connected = false;
          this.#lastError = `disconnected from ${this.nc.getServer()}`;
          break;
        case "reconnect":
          this.#connected = true;
          break;
        case "error":
          this.#lastError = String(status.error);
          break;
      }
    }
  }

  async close(): Promise<void> {
    // Draining waits for the server: only while there is one to wait for.
    if (this.connected) await this.nc.drain().catch(() => this.nc.close());
    else await this.nc.close();
  }
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Parameters<JetStreamManager["streams"]["add"]>[0] & { name: string },
): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch {
    await jsm.streams.add(config);
  }
}

/** The error every caller gets while NATS cannot be reached: Connect's Unavailable. */
export function unavailable(reason: unknown, what: string): HermesError {
  const why = reason instanceof Error ? reason.message : String(reason);
  return new HermesError(
    ErrorCode.STORE_UNAVAILABLE,
    `the message store (NATS) is unavailable: ${what}: ${why}`,
    { cause: reason },
  );
}

import type { KvWatchEntry } from "@nats-io/kv";
import type { Logger } from "pino";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import type {
  ActivationResult,
  PluginCatalog,
  PluginRegistry,
  PluginVersionInfo,
  PublicKey,
  PublishResult,
  TrustedKeyInfo,
} from "../plugin-registry/index.js";
import { isConflict } from "../store/nats/conflicts.js";
import { KvFollower } from "./kv-follower.js";
import { token } from "./names.js";
import type { NatsCluster } from "./nats-cluster.js";

/** A published version, as the plugins bucket names it (`v.<name>.<version>`). */
interface VersionEntry {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
}

/** A plugin's activations, newest last (`a.<name>`): the last is active, rollback pops it. */
interface ActivationEntry {
  readonly name: string;
  readonly history: readonly string[];
}

/** A trusted publisher key (`k.<id>`). */
interface KeyEntry {
  readonly publicKey: string;
  readonly comment: string;
}

const maxConflicts = 20;

/**
 * Plugins cluster-wide (docs/scale-out.md, "Plugins"): artifacts in the
 * Object Store by SHA-256, and versions, activations and trusted keys in a
 * KV bucket that every node follows. Each node keeps its own registry (in
 * memory) as a replica, and applies every entry to it itself: a trusted key
 * is trusted, a version is fetched and published, which verifies its
 * signature against this node's trust store, and an activation or rollback
 * hot-swaps this node's routes through the usual PluginHost binding. The
 * node that takes the API call applies the change locally first (so a
 * version its host cannot load is refused before any other node sees it),
 * then writes the entry for the others.
 */
export class ClusterPlugins implements PluginCatalog {
  readonly #cluster: NatsCluster;
  readonly #local: PluginRegistry;
  readonly #log: Logger;
  readonly #follower: KvFollower;

  constructor(cluster: NatsCluster, local: PluginRegistry, log: Logger) {
    this.#cluster = cluster;
    this.#local = local;
    this.#log = log;
    this.#follower = new KvFollower(cluster.plugins, (entry) => this.#apply(entry));
  }

  /** Brings this node's registry up to the cluster's: before routes that run plugins start. */
  start(): Promise<void> {
    return this.#follower.caughtUp();
  }

  async trustKey(key: PublicKey | Uint8Array | string, comment = ""): Promise<TrustedKeyInfo> {
    const info = this.#local.trustKey(key, comment);
    const entry: KeyEntry = {
      publicKey: Buffer.from(info.publicKey.raw).toString("base64"),
      comment: info.comment,
    };
    await this.#cluster.plugins.put(`k.${token(info.id)}`, JSON.stringify(entry));
    return info;
  }

  trustedKeys(): TrustedKeyInfo[] {
    return this.#local.trustedKeys();
  }

  list(name?: string): PluginVersionInfo[] {
    return this.#local.list(name);
  }

  async publish(
    artifact: Uint8Array,
    options: { activate?: boolean } = {},
  ): Promise<PublishResult> {
    const result = await this.#local.publish(artifact);
    const { name, version, sha256 } = result.plugin;
    const { artifacts, plugins } = this.#cluster;
    if (!(await artifacts.info(sha256))) await artifacts.putBlob({ name: sha256 }, artifact);
    const entry: VersionEntry = { name, version, sha256 };
    try {
      await plugins.create(`v.${token(name)}.${token(version)}`, JSON.stringify(entry));
    } catch (reason) {
      if (!isConflict(reason)) throw reason;
      const stored = (
        await plugins.get(`v.${token(name)}.${token(version)}`)
      )?.json<VersionEntry>();
      if (stored && stored.sha256 !== sha256)
        throw new HermesError(
          ErrorCode.ALREADY_EXISTS,
          `${name}@${version} is already published in the cluster with other bytes (sha256 ${stored.sha256}); versions are immutable, publish a new version`,
          { field: "artifact" },
        );
    }
    if (!options.activate) return result;
    const { plugin } = await this.activate(name, version);
    return { plugin, created: result.created };
  }

  activate(name: string, version: string): Promise<ActivationResult> {
    return this.#changeActivation(name, (history) =>
      history.at(-1) === version ? undefined : [...history, version],
    );
  }

  rollback(name: string): Promise<ActivationResult> {
    return this.#changeActivation(name, (history) => {
      if (history.length === 0)
        throw new HermesError(
          ErrorCode.NOT_FOUND,
          `${name} has no active version to roll back from`,
          {
            field: "name",
          },
        );
      if (history.length === 1)
        throw new HermesError(
          ErrorCode.NOT_FOUND,
          `${name}@${history[0]} is the first version activated; there is nothing earlier to roll back to`,
          { field: "name" },
        );
      return history.slice(0, -1);
    });
  }

  /**
   * Moves a plugin's activation history with `change` (undefined: nothing to
   * do): applied here first, then written at the revision it was read at.
   */
  async #changeActivation(
    name: string,
    change: (history: readonly string[]) => readonly string[] | undefined,
  ): Promise<ActivationResult> {
    const kv = this.#cluster.plugins;
    const key = `a.${token(name)}`;
    for (let conflicts = 0; ; conflicts++) {
      const entry = await kv.get(key);
      const stored = entry?.operation === "PUT" ? entry.json<ActivationEntry>() : undefined;
      const history = stored?.history ?? [];
      const next = change(history);
      const current = history.at(-1);
      if (!next) {
        const plugin = this.#local.list(name).find((p) => p.version === current);
        if (!plugin) throw new HermesError(ErrorCode.NOT_FOUND, `no plugin named ${name}`);
        return { plugin, previousVersion: current };
      }
      const { plugin } = await this.#local.activate(name, next.at(-1)!);
      const value = JSON.stringify({ name, history: next } satisfies ActivationEntry);
      try {
        if (entry) await kv.update(key, value, entry.revision);
        else await kv.create(key, value);
        return { plugin, previousVersion: current };
      } catch (reason) {
        if (!isConflict(reason) || conflicts >= maxConflicts) throw reason;
        // Another node changed it meanwhile: decide again from what it wrote.
      }
    }
  }

  /** Applies one entry of the bucket to this node's registry. */
  async #apply(entry: KvWatchEntry): Promise<void> {
    if (entry.operation !== "PUT") return;
    try {
      if (entry.key.startsWith("k.")) {
        const key = entry.json<KeyEntry>();
        this.#local.trustKey(Buffer.from(key.publicKey, "base64"), key.comment);
      } else if (entry.key.startsWith("v.")) {
        const { name, version, sha256 } = entry.json<VersionEntry>();
        if (this.#local.list(name).some((p) => p.version === version)) return;
        const artifact = await this.#cluster.artifacts.getBlob(sha256);
        if (!artifact) throw new Error(`artifact ${sha256} is missing from the object store`);
        // Verified here against this node's trust store, as any publish is.
        await this.#local.publish(artifact);
      } else if (entry.key.startsWith("a.")) {
        const { name, history } = entry.json<ActivationEntry>();
        const version = history.at(-1);
        if (version && this.#local.active(name)?.plugin.version !== version)
          await this.#local.activate(name, version);
      }
    } catch (reason) {
      this.#log.error(
        { err: reason, entry: entry.key },
        "applying a cluster plugin change on this node failed",
      );
    }
  }

  stop(): void {
    this.#follower.stop();
  }
}

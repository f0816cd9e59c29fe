import { createHash } from "node:crypto";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { pino, type Logger } from "pino";
import { ManifestSchema, type Manifest } from "../gen/hermes/plugin/v1/plugin_pb.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { readManifest } from "../plugin-host/plugin-module.js";
import { compareSemver } from "../plugin-host/semver.js";
import { RegistryDb, type TrustedKeyRow, type VersionRow } from "./registry-db.js";
import type { PluginActivation, PluginActivationListener } from "./activation.js";
import { PublicKey } from "./signing/keys.js";
import { SignatureError } from "./signing/signature-error.js";
import { verify } from "./signing/signer.js";
import { parseModule } from "./signing/wasm-module.js";
import { wasm } from "../wasm/wasm-api.js";

export const defaultMaxArtifactBytes = 16 * 1024 * 1024;
export const unsignedWarning =
  "unsigned plugins are accepted (plugins.allowUnsigned): development only";

export interface PluginRegistryOptions {
  /** The SQLite database file (the gateway's store.path); ":memory:" for tests. */
  readonly path: string;
  readonly synchronous?: "FULL" | "NORMAL";
  /** Largest artifact accepted; default 16 MiB. */
  readonly maxArtifactBytes?: number;
  /**
   * Accept artifacts with no signature at all (development only; warned about at start and on each
   * unsigned publish).
   */
  readonly allowUnsigned?: boolean;
  /** Where those warnings go; default: a pino logger on stderr, so they are never silent. */
  readonly log?: Logger;
  /**
   * Checks a publish must also pass, after the registry's own: the gateway
   * passes the plugin host's sandbox checks (imports, exported memory,
   * manifest details), so what cannot run is refused at publish, not later
   * at activation. Errors that are not HermesErrors become PLUGIN_REJECTED.
   */
  readonly validate?: (artifact: Uint8Array) => Promise<void>;
  readonly now?: () => number;
}

/** A stored plugin version. */
export interface PluginVersionInfo {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  /** Ids of the trusted keys whose signatures verified at publish time. */
  readonly signedBy: readonly string[];
  readonly active: boolean;
  readonly publishedAt: Date;
  readonly sizeBytes: number;
  readonly manifest: Manifest;
}

export interface TrustedKeyInfo {
  readonly id: string;
  readonly publicKey: PublicKey;
  readonly comment: string;
  readonly addedAt: Date;
}

export interface PublishResult {
  readonly plugin: PluginVersionInfo;
  /** False when the same bytes were published before (idempotent retry). */
  readonly created: boolean;
}

export interface ActivationResult {
  readonly plugin: PluginVersionInfo;
  readonly previousVersion?: string;
}

/** An active plugin with its bytes, for loading it into the host. */
export interface ActivePlugin {
  readonly plugin: PluginVersionInfo;
  readonly artifact: Uint8Array;
}

/**
 * The plugin registry: verified, content-addressed artifacts with their
 * versions, the active version of each plugin with its activation history
 * (for rollback), and the trust store of publisher keys.
 *
 * Publishing verifies, in order: size, module structure, signature against
 * the trust store, that the module compiles, its manifest, then the optional
 * `validate` hook (the plugin host's checks). Activations
 * and rollbacks run one at a time and notify the listeners (the plugin host)
 * before they are recorded.
 */
export class PluginRegistry {
  readonly maxArtifactBytes: number;
  readonly #db: RegistryDb;
  readonly #allowUnsigned: boolean;
  readonly #log: Logger | undefined;
  readonly #validate: PluginRegistryOptions["validate"];
  readonly #now: () => number;
  readonly #listeners = new Set<PluginActivationListener>();
  #serial: Promise<unknown> = Promise.resolve();

  constructor(options: PluginRegistryOptions) {
    this.maxArtifactBytes = options.maxArtifactBytes ?? defaultMaxArtifactBytes;
    this.#allowUnsigned = options.allowUnsigned ?? false;
    if (this.#allowUnsigned) {
      this.#log = options.log ?? pino({ name: "hermes-plugin-registry" }, pino.destination(2));
      this.#log.warn({ allowUnsigned: true }, unsignedWarning);
    }
    this.#validate = options.validate;
    this.#now = options.now ?? Date.now;
    this.#db = new RegistryDb(options.path, options.synchronous);
  }

  /** Adds a listener (the plugin host); returns a function that removes it. */
  addActivationListener(listener: PluginActivationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- trust store ----

  /**
   * Trusts a publisher key. Trusting a known key again only updates its comment (if one is given).
   */
  trustKey(key: PublicKey | Uint8Array | string, comment = ""): TrustedKeyInfo {
    let publicKey: PublicKey;
    try {
      publicKey = key instanceof PublicKey ? key : PublicKey.from(key);
    } catch (reason) {
      throw new HermesError(
        ErrorCode.INVALID_ARGUMENT,
        `public_key: ${(reason as Error).message}`,
        { field: "public_key", cause: reason },
      );
    }
    const existing = this.#db.trustedKey(publicKey.id);
    if (existing) {
      if (comment && comment !== existing.comment) this.#db.updateComment(existing.id, comment);
      return toKeyInfo({ ...existing, comment: comment || existing.comment });
    }
    const row: TrustedKeyRow = {
      id: publicKey.id,
      public_key: Buffer.from(publicKey.raw),
      comment,
      added_at: this.#now(),
    };
    this.#db.insertTrustedKey(row);
    return toKeyInfo(row);
  }

  trustedKeys(): TrustedKeyInfo[] {
    return this.#db.trustedKeys().map(toKeyInfo);
  }

  // ---- publish ----

  async publish(
    artifact: Uint8Array,
    options: { activate?: boolean } = {},
  ): Promise<PublishResult> {
    if (artifact.length === 0) throw invalidArtifact("artifact is empty");
    if (artifact.length > this.maxArtifactBytes) {
      throw invalidArtifact(
        `artifact is ${artifact.length} bytes, more than the ${this.maxArtifactBytes}-byte limit (plugins.maxArtifactBytes)`,
      );
    }
    try {
      parseModule(artifact);
    } catch (reason) {
      throw new HermesError(ErrorCode.PLUGIN_REJECTED, (reason as Error).message, {
        field: "artifact",
        cause: reason,
      });
    }
    const signedBy = this.#verifySignature(artifact);
    try {
      await wasm.compile(artifact);
    } catch (reason) {
      throw new HermesError(
        ErrorCode.PLUGIN_REJECTED,
        `the module does not compile: ${(reason as Error).message}`,
        { field: "artifact", cause: reason },
      );
    }
    const manifest = readManifest(artifact);
    try {
      await this.#validate?.(artifact);
    } catch (reason) {
      if (reason instanceof HermesError) throw reason;
      throw new HermesError(
        ErrorCode.PLUGIN_REJECTED,
        `the plugin host refuses the module: ${(reason as Error).message}`,
        { field: "artifact", cause: reason },
      );
    }
    const sha256 = createHash("sha256").update(artifact).digest("hex");
    const { name, version } = manifest;

    const result = await this.#serialized(async (): Promise<PublishResult> => {
      const existing = this.#db.version(name, version);
      if (existing) {
        if (existing.sha256 !== sha256) {
          throw new HermesError(
            ErrorCode.ALREADY_EXISTS,
            `${name}@${version} is already published with other bytes (sha256 ${existing.sha256}, this artifact ${sha256}); versions are immutable, publish a new version`,
            { field: "artifact" },
          );
        }
        return { plugin: this.#info(existing), created: false };
      }
      this.#db.insertVersion(
        {
          name,
          version,
          sha256,
          signed_by: JSON.stringify(signedBy),
          manifest: Buffer.from(toBinary(ManifestSchema, manifest)),
          published_at: this.#now(),
        },
        artifact,
      );
      if (signedBy.length === 0)
        this.#log?.warn(
          { plugin: name, version, sha256 },
          `published ${name}@${version} unsigned: ${unsignedWarning}`,
        );
      return { plugin: this.#info(this.#db.version(name, version)!), created: true };
    });
    if (!options.activate) return result;
    const { plugin } = await this.activate(name, version);
    return { plugin, created: result.created };
  }

  /** The ids of the trusted keys that signed the artifact, or why none did. */
  #verifySignature(artifact: Uint8Array): string[] {
    const trusted = this.#db.trustedKeys().map((row) => PublicKey.fromRaw(row.public_key));
    try {
      return verify(artifact, trusted).signers.map((key) => key.id);
    } catch (reason) {
      if (!(reason instanceof SignatureError)) throw reason;
      switch (reason.failure) {
        case "unsigned":
          if (this.#allowUnsigned) return [];
          throw new HermesError(
            ErrorCode.PLUGIN_SIGNATURE_INVALID,
            `${reason.message}; sign it with \`hermes plugin sign\` (or wasmsign2) using a key in the trust store`,
            { field: "artifact" },
          );
        case "malformed":
        case "tampered":
        case "invalid":
          throw new HermesError(ErrorCode.PLUGIN_SIGNATURE_INVALID, reason.message, {
            field: "artifact",
          });
        case "unknown_signer":
          throw new HermesError(
            ErrorCode.PLUGIN_UNTRUSTED,
            trusted.length === 0
              ? "the trust store is empty: add the publisher's public key with PluginService.TrustKey first"
              : `untrusted publisher: ${reason.message}`,
            { field: "artifact" },
          );
      }
    }
  }

  // ---- read ----

  /** Stored versions, by name, then by semantic version. */
  list(name?: string): PluginVersionInfo[] {
    const active = this.#db.activeVersions();
    return this.#db
      .versions(name || undefined)
      .map((row) => this.#info(row, active))
      .sort((a, b) =>
        a.name === b.name ? compareSemver(a.version, b.version) : a.name < b.name ? -1 : 1,
      );
  }

  /** The active version of a plugin with its bytes, or undefined if none is active. */
  active(name: string): ActivePlugin | undefined {
    const [current] = this.#db.liveActivations(name);
    if (!current) return undefined;
    const row = this.#db.version(name, current.version)!;
    return { plugin: this.#info(row), artifact: this.#db.artifact(row.sha256)! };
  }

  /** Every active plugin with its bytes: what the host loads at start. */
  activePlugins(): ActivePlugin[] {
    return [...this.#db.activeVersions().keys()].sort().map((name) => this.active(name)!);
  }

  // ---- activate / rollback ----

  /** Makes name@version the active version. Activating the active version changes nothing. */
  activate(name: string, version: string): Promise<ActivationResult> {
    return this.#serialized(async () => {
      const row = this.#db.version(name, version);
      if (!row) throw notFound(name, version, this.#db.versions(name));
      const [current] = this.#db.liveActivations(name);
      if (current?.version === version)
        return { plugin: this.#info(row), previousVersion: version };
      await this.#notify(row, current?.version, "activate");
      this.#db.recordActivation(name, version, this.#now());
      return { plugin: this.#info(row), previousVersion: current?.version };
    });
  }

  /** Re-activates the version that was active before the current one. */
  rollback(name: string): Promise<ActivationResult> {
    return this.#serialized(async () => {
      const [current, previous] = this.#db.liveActivations(name);
      if (!current) {
        if (this.#db.versions(name).length === 0)
          throw new HermesError(ErrorCode.NOT_FOUND, `no plugin named ${name} is published`, {
            field: "name",
          });
        throw new HermesError(
          ErrorCode.NOT_FOUND,
          `${name} has no active version to roll back from`,
          { field: "name" },
        );
      }
      if (!previous)
        throw new HermesError(
          ErrorCode.NOT_FOUND,
          `${name}@${current.version} is the first version activated; there is nothing earlier to roll back to`,
          { field: "name" },
        );
      const row = this.#db.version(name, previous.version)!;
      await this.#notify(row, current.version, "rollback");
      this.#db.markRolledBack(current.sequence, this.#now());
      return { plugin: this.#info(row), previousVersion: current.version };
    });
  }

  close(): void {
    this.#db.close();
  }

  async #notify(
    row: VersionRow,
    previousVersion: string | undefined,
    reason: PluginActivation["reason"],
  ): Promise<void> {
    if (this.#listeners.size === 0) return;
    const activation: PluginActivation = {
      name: row.name,
      version: row.version,
      previousVersion,
      reason,
      sha256: row.sha256,
      artifact: this.#db.artifact(row.sha256)!,
      manifest: fromBinary(ManifestSchema, row.manifest),
    };
    for (const listener of this.#listeners) {
      try {
        await listener.pluginActivated(activation);
      } catch (reason) {
        if (reason instanceof HermesError) throw reason;
        throw new HermesError(
          ErrorCode.PLUGIN_REJECTED,
          `the plugin host could not load ${row.name}@${row.version}: ${(reason as Error).message}`,
          { cause: reason },
        );
      }
    }
  }

  /** Runs registry changes one at a time, so check-then-write never interleaves. */
  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(work, work);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  #info(row: VersionRow, active = this.#db.activeVersions()): PluginVersionInfo {
    return {
      name: row.name,
      version: row.version,
      sha256: row.sha256,
      signedBy: JSON.parse(row.signed_by) as string[],
      active: active.get(row.name) === row.version,
      publishedAt: new Date(row.published_at),
      sizeBytes: row.size_bytes,
      manifest: fromBinary(ManifestSchema, row.manifest),
    };
  }
}

function toKeyInfo(row: TrustedKeyRow): TrustedKeyInfo {
  return {
    id: row.id,
    publicKey: PublicKey.fromRaw(row.public_key),
    comment: row.comment,
    addedAt: new Date(row.added_at),
  };
}

function invalidArtifact(message: string): HermesError {
  return new HermesError(ErrorCode.INVALID_ARGUMENT, message, { field: "artifact" });
}

function notFound(name: string, version: string, known: readonly VersionRow[]): HermesError {
  if (known.length === 0)
    return new HermesError(ErrorCode.NOT_FOUND, `no plugin named ${name} is published`, {
      field: "name",
    });
  const versions = known
    .map((r) => r.version)
    .sort(compareSemver)
    .join(", ");
  return new HermesError(
    ErrorCode.NOT_FOUND,
    `${name}@${version} is not published (published: ${versions})`,
    { field: "version" },
  );
}

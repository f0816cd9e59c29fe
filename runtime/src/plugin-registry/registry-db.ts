import type Database from "better-sqlite3";
import { openDatabase } from "../store/open-database.js";
import { migrateRegistry } from "./schema.js";

export interface VersionRow {
  name: string;
  version: string;
  sha256: string;
  signed_by: string;
  manifest: Buffer;
  published_at: number;
  size_bytes: number;
}

export interface TrustedKeyRow {
  id: string;
  public_key: Buffer;
  comment: string;
  added_at: number;
}

export interface ActivationRow {
  sequence: number;
  version: string;
}

const versionColumns =
  "v.name, v.version, v.sha256, v.signed_by, v.manifest, v.published_at, a.size_bytes";

/**
 * The registry's rows in SQLite. Its own connection to the gateway's database
 * file (WAL lets it sit beside the message store's); every method is one
 * statement or one transaction, so callers never see half a change.
 */
export class RegistryDb {
  readonly #db: Database.Database;
  readonly #q;

  constructor(path: string, synchronous: "FULL" | "NORMAL" = "FULL") {
    this.#db = openDatabase(path, synchronous);
    this.#db.pragma("foreign_keys = ON");
    migrateRegistry(this.#db);
    const db = this.#db;
    this.#q = {
      insertArtifact: db.prepare(
        "INSERT OR IGNORE INTO plugin_artifacts (sha256, size_bytes, bytes) VALUES (?, ?, ?)",
      ),
      artifact: db.prepare("SELECT bytes FROM plugin_artifacts WHERE sha256 = ?").pluck(),
      insertVersion: db.prepare(
        "INSERT INTO plugin_versions (name, version, sha256, signed_by, manifest, published_at) VALUES (@name, @version, @sha256, @signed_by, @manifest, @published_at)",
      ),
      version: db.prepare(
        `SELECT ${versionColumns} FROM plugin_versions v JOIN plugin_artifacts a USING (sha256) WHERE v.name = ? AND v.version = ?`,
      ),
      versionsOf: db.prepare(
        `SELECT ${versionColumns} FROM plugin_versions v JOIN plugin_artifacts a USING (sha256) WHERE v.name = ?`,
      ),
      allVersions: db.prepare(
        `SELECT ${versionColumns} FROM plugin_versions v JOIN plugin_artifacts a USING (sha256)`,
      ),
      liveActivations: db.prepare(
        "SELECT sequence, version FROM plugin_activations WHERE name = ? AND rolled_back_at IS NULL ORDER BY sequence DESC LIMIT 2",
      ),
      activeVersions: db.prepare(
        `SELECT name, version FROM plugin_activations a WHERE rolled_back_at IS NULL
           AND sequence = (SELECT MAX(sequence) FROM plugin_activations b WHERE b.name = a.name AND b.rolled_back_at IS NULL)`,
      ),
      insertActivation: db.prepare(
        "INSERT INTO plugin_activations (name, version, activated_at) VALUES (?, ?, ?)",
      ),
      markRolledBack: db.prepare(
        "UPDATE plugin_activations SET rolled_back_at = ? WHERE sequence = ?",
      ),
      trustedKey: db.prepare("SELECT * FROM plugin_trusted_keys WHERE id = ?"),
      trustedKeys: db.prepare("SELECT * FROM plugin_trusted_keys ORDER BY added_at, id"),
      insertTrustedKey: db.prepare(
        "INSERT INTO plugin_trusted_keys (id, public_key, comment, added_at) VALUES (?, ?, ?, ?)",
      ),
      updateComment: db.prepare("UPDATE plugin_trusted_keys SET comment = ? WHERE id = ?"),
    };
  }

  /** Stores a version (and its artifact, unless the same bytes are stored already). */
  insertVersion(row: Omit<VersionRow, "size_bytes">, bytes: Uint8Array): void {
    this.#db.transaction(() => {
      this.#q.insertArtifact.run(row.sha256, bytes.length, bytes);
      this.#q.insertVersion.run(row);
    })();
  }

  version(name: string, version: string): VersionRow | undefined {
    return this.#q.version.get(name, version) as VersionRow | undefined;
  }

  versions(name?: string): VersionRow[] {
    return (name ? this.#q.versionsOf.all(name) : this.#q.allVersions.all()) as VersionRow[];
  }

  artifact(sha256: string): Uint8Array | undefined {
    const bytes = this.#q.artifact.get(sha256) as Buffer | undefined;
    return bytes ? new Uint8Array(bytes) : undefined;
  }

  /** The current and the previous live activation of a plugin, newest first. */
  liveActivations(name: string): ActivationRow[] {
    return this.#q.liveActivations.all(name) as ActivationRow[];
  }

  /** Every plugin's active version. */
  activeVersions(): Map<string, string> {
    const rows = this.#q.activeVersions.all() as Array<{ name: string; version: string }>;
    return new Map(rows.map((r) => [r.name, r.version]));
  }

  recordActivation(name: string, version: string, at: number): void {
    this.#q.insertActivation.run(name, version, at);
  }

  markRolledBack(sequence: number, at: number): void {
    this.#q.markRolledBack.run(at, sequence);
  }

  trustedKey(id: string): TrustedKeyRow | undefined {
    return this.#q.trustedKey.get(id) as TrustedKeyRow | undefined;
  }

  trustedKeys(): TrustedKeyRow[] {
    return this.#q.trustedKeys.all() as TrustedKeyRow[];
  }

  insertTrustedKey(row: TrustedKeyRow): void {
    this.#q.insertTrustedKey.run(row.id, row.public_key, row.comment, row.added_at);
  }

  updateComment(id: string, comment: string): void {
    this.#q.updateComment.run(comment, id);
  }

  close(): void {
    this.#db.close();
  }
}

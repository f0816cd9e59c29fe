import type Database from "better-sqlite3";
import type {
  SuppressionChange,
  SuppressionEntry,
  SuppressionStore,
} from "../suppression-store.js";
import type { GroupCommit } from "./group-commit.js";

interface EntryRow {
  tenant: string;
  address: string;
  channel: number;
  kind: SuppressionEntry["kind"];
  reason: number;
  note: string;
  source: string;
  created_at: number;
}

interface ChangeRow {
  seq: number;
  action: SuppressionChange["action"];
  entry: string;
  actor: string;
  time: number;
  note: string;
}

/**
 * Suppression lists in the gateway's SQLite file (schema migration 3),
 * written through the message store's group commit: an entry and its audit
 * record are one transaction, and share their commit with whatever else
 * happened in that turn.
 */
export class SqliteSuppressions implements SuppressionStore {
  readonly #commit: GroupCommit;
  readonly #s;

  constructor(db: Database.Database, commit: GroupCommit) {
    this.#commit = commit;
    this.#s = {
      all: db.prepare("SELECT * FROM suppressions"),
      ofAddress: db.prepare("SELECT * FROM suppressions WHERE tenant = ? AND address = ?"),
      put: db.prepare(
        `INSERT OR REPLACE INTO suppressions (tenant, address, channel, kind, reason, note, source, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      delete: db.prepare(
        "DELETE FROM suppressions WHERE tenant = ? AND address = ? AND channel = ?",
      ),
      audit: db.prepare(
        `INSERT INTO suppression_changes (tenant, action, entry, actor, time, note)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      changes: db.prepare(
        "SELECT * FROM suppression_changes WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?",
      ),
    };
  }

  async entries(): Promise<SuppressionEntry[]> {
    return (this.#s.all.all() as EntryRow[]).map(entryOfRow);
  }

  add(entry: SuppressionEntry, actor: string): Promise<SuppressionChange> {
    return this.#commit.write(() => {
      const e = entry;
      this.#s.put.run(
        e.tenant,
        e.address,
        e.channel,
        e.kind,
        e.reason,
        e.note,
        e.source,
        e.createdAt,
      );
      return this.#audit("added", entry, actor, "");
    });
  }

  remove(
    tenant: string,
    address: string,
    options: Parameters<SuppressionStore["remove"]>[2],
  ): Promise<SuppressionChange[]> {
    return this.#commit.write(() =>
      (this.#s.ofAddress.all(tenant, address) as EntryRow[])
        .map(entryOfRow)
        .filter(
          (entry) =>
            (options.channel === undefined || entry.channel === options.channel) &&
            (options.only?.(entry) ?? true),
        )
        .map((entry) => {
          this.#s.delete.run(tenant, address, entry.channel);
          return this.#audit("removed", entry, options.actor, options.note);
        }),
    );
  }

  async changes(tenant: string, after: number, limit: number): Promise<SuppressionChange[]> {
    return (this.#s.changes.all(tenant, after, limit) as ChangeRow[]).map((row) => ({
      sequence: row.seq,
      action: row.action,
      entry: JSON.parse(row.entry) as SuppressionEntry,
      actor: row.actor,
      time: row.time,
      note: row.note,
    }));
  }

  #audit(
    action: SuppressionChange["action"],
    entry: SuppressionEntry,
    actor: string,
    note: string,
  ): SuppressionChange {
    const time = Date.now();
    const info = this.#s.audit.run(entry.tenant, action, JSON.stringify(entry), actor, time, note);
    return { sequence: Number(info.lastInsertRowid), action, entry, actor, time, note };
  }
}

function entryOfRow(row: EntryRow): SuppressionEntry {
  return {
    tenant: row.tenant,
    address: row.address,
    kind: row.kind,
    channel: row.channel,
    reason: row.reason,
    note: row.note,
    source: row.source,
    createdAt: row.created_at,
  };
}

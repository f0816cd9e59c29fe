import type Database from "better-sqlite3";
import type { CascadeProgress } from "../../cascades/cascade-rules.js";
import type { CascadeRecord, CascadeStore } from "../cascade-store.js";
import type { GroupCommit } from "./group-commit.js";

interface CascadeRow {
  parent_id: string;
  tenant: string;
  plan: Uint8Array;
  progress: string;
}

/**
 * Cascades in the gateway's SQLite file (schema migration 4), written
 * through the message store's group commit, so a cascade created in the
 * same turn as its parent message shares its transaction.
 */
export class SqliteCascades implements CascadeStore {
  readonly #commit: GroupCommit;
  readonly #s;

  constructor(db: Database.Database, commit: GroupCommit) {
    this.#commit = commit;
    this.#s = {
      insert: db.prepare(
        "INSERT INTO cascades (parent_id, tenant, plan, progress, done) VALUES (?, ?, ?, ?, ?)",
      ),
      get: db.prepare("SELECT parent_id, tenant, plan, progress FROM cascades WHERE parent_id = ?"),
      update: db.prepare("UPDATE cascades SET progress = ?, done = ? WHERE parent_id = ?"),
      undecided: db.prepare(
        "SELECT parent_id, tenant, plan, progress FROM cascades WHERE done = 0",
      ),
      delete: db.prepare("DELETE FROM cascades WHERE parent_id = ?"),
    };
  }

  create(record: CascadeRecord): Promise<void> {
    const { parentId, tenant, plan, progress } = record;
    return this.#commit.write(() => {
      this.#s.insert.run(parentId, tenant, plan, JSON.stringify(progress), progress.done ? 1 : 0);
    });
  }

  async get(parentId: string): Promise<CascadeRecord | undefined> {
    const row = this.#s.get.get(parentId) as CascadeRow | undefined;
    return row && recordOfRow(row);
  }

  update(parentId: string, progress: CascadeProgress): Promise<void> {
    return this.#commit.write(() => {
      this.#s.update.run(JSON.stringify(progress), progress.done ? 1 : 0, parentId);
    });
  }

  async undecided(): Promise<CascadeRecord[]> {
    return (this.#s.undecided.all() as CascadeRow[]).map(recordOfRow);
  }

  delete(parentId: string): Promise<void> {
    return this.#commit.write(() => {
      this.#s.delete.run(parentId);
    });
  }
}

function recordOfRow(row: CascadeRow): CascadeRecord {
  return {
    parentId: row.parent_id,
    tenant: row.tenant,
    plan: new Uint8Array(row.plan),
    progress: JSON.parse(row.progress) as CascadeProgress,
  };
}

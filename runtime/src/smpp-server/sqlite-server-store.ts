import type Database from "better-sqlite3";
import { openDatabase } from "../store/open-database.js";
import { GroupCommit } from "../store/sqlite/group-commit.js";
import type {
  OutboxEntry,
  OutboxEntryInit,
  SmppServerStore,
  StoredPart,
  SubmittedMessage,
} from "./server-store.js";

/**
 * The server's tables, as ordered migrations, versioned on their own in
 * `smpp_server_schema` (the message store owns `user_version`, the plugin
 * registry has its own table). A new migration is appended, never edited.
 */
const migrations: readonly string[] = [
  `
  CREATE TABLE smpp_server_submitted (
    message_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    registered_delivery INTEGER NOT NULL,
    -- JSON: the ids the ESME was answered with, source and destination addresses
    detail TEXT NOT NULL,
    submitted_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE smpp_server_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    message_id TEXT NOT NULL,
    pdu BLOB NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX smpp_server_outbox_account ON smpp_server_outbox (account, seq);
  CREATE INDEX smpp_server_outbox_expiry ON smpp_server_outbox (expires_at);

  CREATE TABLE smpp_server_parts (
    group_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    total INTEGER NOT NULL,
    part_id TEXT NOT NULL,
    text TEXT NOT NULL,
    envelope TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, seq)
  ) STRICT;
  `,
];

function migrate(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS smpp_server_schema (version INTEGER NOT NULL) STRICT");
  const row = db.prepare("SELECT version FROM smpp_server_schema").get() as
    | { version: number }
    | undefined;
  const current = row?.version ?? 0;
  if (current > migrations.length)
    throw new Error(
      `the SMPP server schema is at version ${current}, newer than this gateway knows (${migrations.length}); upgrade the gateway`,
    );
  db.transaction(() => {
    for (const sql of migrations.slice(current)) db.exec(sql);
    if (row) db.prepare("UPDATE smpp_server_schema SET version = ?").run(migrations.length);
    else db.prepare("INSERT INTO smpp_server_schema (version) VALUES (?)").run(migrations.length);
  }).immediate();
}

interface SubmittedRow {
  message_id: string;
  account: string;
  registered_delivery: number;
  detail: string;
  submitted_at: number;
}

interface OutboxRow {
  seq: number;
  account: string;
  kind: "receipt" | "mo";
  message_id: string;
  pdu: Buffer;
  expires_at: number;
}

interface PartRow {
  group_id: string;
  seq: number;
  account: string;
  key: string;
  total: number;
  part_id: string;
  text: string;
  envelope: string;
  received_at: number;
}

/**
 * The server's store in the gateway's SQLite file, on a connection of its
 * own (WAL lets it sit beside the message store's, as the plugin registry
 * does). Writes of one event-loop turn share one commit.
 */
export class SqliteServerStore implements SmppServerStore {
  readonly #db: Database.Database;
  readonly #commit: GroupCommit;
  readonly #q;

  constructor(path: string, synchronous: "FULL" | "NORMAL" = "FULL") {
    this.#db = openDatabase(path, synchronous);
    migrate(this.#db);
    this.#commit = new GroupCommit(this.#db);
    const db = this.#db;
    this.#q = {
      remember: db.prepare(
        `INSERT OR REPLACE INTO smpp_server_submitted (message_id, account, registered_delivery, detail, submitted_at)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      submitted: db.prepare("SELECT * FROM smpp_server_submitted"),
      settle: db.prepare("DELETE FROM smpp_server_submitted WHERE message_id = ?"),
      enqueue: db.prepare(
        `INSERT INTO smpp_server_outbox (account, kind, message_id, pdu, expires_at)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      pending: db.prepare(
        `SELECT * FROM smpp_server_outbox WHERE account = ? AND seq > ? AND expires_at > ?
         ORDER BY seq LIMIT ?`,
      ),
      waiting: db.prepare(
        "SELECT account, COUNT(*) AS n FROM smpp_server_outbox WHERE expires_at > ? GROUP BY account",
      ),
      delivered: db.prepare("DELETE FROM smpp_server_outbox WHERE seq = ?"),
      purge: db.prepare("DELETE FROM smpp_server_outbox WHERE expires_at <= ?"),
      storePart: db.prepare(
        `INSERT OR REPLACE INTO smpp_server_parts
           (group_id, seq, account, key, total, part_id, text, envelope, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      parts: db.prepare("SELECT * FROM smpp_server_parts ORDER BY group_id, seq"),
      dropGroup: db.prepare("DELETE FROM smpp_server_parts WHERE group_id = ?"),
    };
  }

  remember(message: SubmittedMessage, completedGroup?: string): Promise<void> {
    const detail = JSON.stringify({
      receiptIds: message.receiptIds,
      source: message.source,
      destination: message.destination,
    });
    return this.#commit.write(() => {
      this.#q.remember.run(
        message.messageId,
        message.account,
        message.registeredDelivery,
        detail,
        message.submittedAt,
      );
      if (completedGroup) this.#q.dropGroup.run(completedGroup);
    });
  }

  async submitted(): Promise<SubmittedMessage[]> {
    return (this.#q.submitted.all() as SubmittedRow[]).map((row) => ({
      messageId: row.message_id,
      account: row.account,
      registeredDelivery: row.registered_delivery,
      submittedAt: row.submitted_at,
      ...(JSON.parse(row.detail) as Pick<
        SubmittedMessage,
        "receiptIds" | "source" | "destination"
      >),
    }));
  }

  enqueue(entries: readonly OutboxEntryInit[], settled?: string): Promise<OutboxEntry[]> {
    return this.#commit.write(() => {
      if (settled) this.#q.settle.run(settled);
      return entries.map((entry) => {
        const { lastInsertRowid } = this.#q.enqueue.run(
          entry.account,
          entry.kind,
          entry.messageId,
          entry.pdu,
          entry.expiresAt,
        );
        return { ...entry, seq: Number(lastInsertRowid) };
      });
    });
  }

  settle(messageId: string): Promise<void> {
    return this.#commit.write(() => void this.#q.settle.run(messageId));
  }

  async pending(
    account: string,
    afterSeq: number,
    limit: number,
    now: number,
  ): Promise<OutboxEntry[]> {
    return (this.#q.pending.all(account, afterSeq, now, limit) as OutboxRow[]).map((row) => ({
      seq: row.seq,
      account: row.account,
      kind: row.kind,
      messageId: row.message_id,
      pdu: row.pdu,
      expiresAt: row.expires_at,
    }));
  }

  async waiting(now: number): Promise<Map<string, number>> {
    const rows = this.#q.waiting.all(now) as Array<{ account: string; n: number }>;
    return new Map(rows.map((row) => [row.account, row.n]));
  }

  delivered(seq: number): Promise<void> {
    return this.#commit.write(() => void this.#q.delivered.run(seq));
  }

  purgeExpired(now: number): Promise<number> {
    return this.#commit.write(() => this.#q.purge.run(now).changes);
  }

  storePart(part: StoredPart): Promise<void> {
    return this.#commit.write(
      () =>
        void this.#q.storePart.run(
          part.groupId,
          part.seq,
          part.account,
          part.key,
          part.total,
          part.partId,
          part.text,
          part.envelope,
          part.receivedAt,
        ),
    );
  }

  async parts(): Promise<StoredPart[]> {
    return (this.#q.parts.all() as PartRow[]).map((row) => ({
      groupId: row.group_id,
      seq: row.seq,
      account: row.account,
      key: row.key,
      total: row.total,
      partId: row.part_id,
      text: row.text,
      envelope: row.envelope,
      receivedAt: row.received_at,
    }));
  }

  dropGroup(groupId: string): Promise<void> {
    return this.#commit.write(() => void this.#q.dropGroup.run(groupId));
  }

  async close(): Promise<void> {
    this.#commit.flush();
    this.#db.close();
  }
}

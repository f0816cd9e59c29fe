import { fromBinary } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type Database from "better-sqlite3";
import { ErrorSchema } from "../../gen/hermes/v1/error_pb.js";
import { DeliveryEventSchema, MessageSchema } from "../../gen/hermes/v1/message_pb.js";
import { recipientOf } from "../../router/receipt-matching.js";
import { errorJson, eventExtra } from "./rows.js";

/** One schema step: SQL, or a function for steps that convert rows. */
export type Migration = string | ((db: Database.Database) => void);

/**
 * The SQLite schema, as ordered migrations. `user_version` records how many
 * have run; a new migration is appended, never edited.
 */
export const migrations: readonly Migration[] = [
  // 1: messages with their state in columns and protobuf bodies for events.
  `
  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    channel INTEGER NOT NULL,
    route TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    provider_message_id TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    error BLOB,
    body BLOB NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX messages_idempotency ON messages (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX messages_unfinished ON messages (status) WHERE status BETWEEN 1 AND 3;

  CREATE TABLE events (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    channel INTEGER NOT NULL,
    body BLOB NOT NULL
  ) STRICT;
  CREATE INDEX events_message ON events (message_id);
  CREATE INDEX events_tenant ON events (tenant, sequence);

  CREATE TABLE correlations (
    route TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (route, provider_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX correlations_expiry ON correlations (expires_at);
  `,
  // 2: the write-ahead layout of the hot path. Each transition is one
  // in-place update of a message's state columns and one compact event row
  // (no protobuf, no AUTOINCREMENT bookkeeping, one index). The partial
  // index of unfinished messages is keyed by expiry and touched only when a
  // message is accepted and when it finishes. A provider id may belong to
  // several messages (carriers reuse ids), each with the address it went to.
  (db) => {
    db.function("hermes_error_json", (blob: unknown) =>
      blob ? errorJson(fromBinary(ErrorSchema, blob as Uint8Array)) : null,
    );
    db.function("hermes_event_column", (body: unknown, column: unknown) =>
      eventColumn(body as Uint8Array, column as string),
    );
    db.exec(`
      CREATE TABLE messages_v2 (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        tenant TEXT NOT NULL,
        channel INTEGER NOT NULL,
        route TEXT NOT NULL,
        status INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        started INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        provider_message_id TEXT NOT NULL,
        idempotency_key TEXT,
        error TEXT,
        done INTEGER NOT NULL,
        body BLOB NOT NULL
      ) STRICT;
      INSERT INTO messages_v2 (id, tenant, channel, route, status, attempts, started, next_attempt_at,
          expires_at, created_at, updated_at, provider_message_id, idempotency_key, error, done, body)
        SELECT id, tenant, channel, route, status, attempts, attempts, next_attempt_at, expires_at,
          created_at, updated_at, provider_message_id, idempotency_key, hermes_error_json(error),
          status >= 4, body
        FROM messages ORDER BY created_at, id;
      DROP TABLE messages;
      ALTER TABLE messages_v2 RENAME TO messages;
      CREATE UNIQUE INDEX messages_idempotency ON messages (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX messages_unfinished ON messages (expires_at) WHERE done = 0;

      CREATE TABLE events_v2 (
        seq INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL,
        tenant TEXT NOT NULL,
        channel INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        status INTEGER NOT NULL,
        time INTEGER NOT NULL,
        provider_id TEXT NOT NULL,
        extra TEXT
      ) STRICT;
      INSERT INTO events_v2
        SELECT sequence, message_id, tenant, channel, hermes_event_column(body, 'kind'),
          hermes_event_column(body, 'status'), hermes_event_column(body, 'time'),
          hermes_event_column(body, 'provider_id'), hermes_event_column(body, 'extra')
        FROM events ORDER BY sequence;
      DROP TABLE events;
      ALTER TABLE events_v2 RENAME TO events;
      CREATE INDEX events_message ON events (message_id);

      CREATE TABLE correlations_v2 (
        seq INTEGER PRIMARY KEY,
        route TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        -- the recipient as the provider reports it; '' (unknown) matches any
        address TEXT NOT NULL,
        at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO correlations_v2 (route, provider_id, message_id, address, at, expires_at)
        SELECT route, provider_id, message_id, '', expires_at - 259200000, expires_at
        FROM correlations ORDER BY expires_at;
      DROP TABLE correlations;
      ALTER TABLE correlations_v2 RENAME TO correlations;
      CREATE INDEX correlations_id ON correlations (route, provider_id);
    `);
  },
  // 3: each message's recipient, as `recipientOf` gives it, indexed per
  // tenant so that an operator can find a recipient's messages. It costs
  // each accept one more index entry (tenant, recipient, seq); transitions
  // never write it. Provider ids are found through `correlations_id`.
  (db) => {
    db.function("hermes_recipient", (body: unknown) =>
      recipientOf(fromBinary(MessageSchema, body as Uint8Array)),
    );
    db.exec(`
      ALTER TABLE messages ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
      UPDATE messages SET recipient = hermes_recipient(body);
      CREATE INDEX messages_recipient ON messages (tenant, recipient);
    `);
  },
  // 4: suppression lists, one entry per (tenant, address, channel), and
  // their audit trail, the entry as it was in each record (JSON).
  `
  CREATE TABLE suppressions (
    tenant TEXT NOT NULL,
    address TEXT NOT NULL,
    channel INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reason INTEGER NOT NULL,
    note TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, address, channel)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE suppression_changes (
    seq INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    action TEXT NOT NULL,
    entry TEXT NOT NULL,
    actor TEXT NOT NULL,
    time INTEGER NOT NULL,
    note TEXT NOT NULL
  ) STRICT;
  CREATE INDEX suppression_changes_tenant ON suppression_changes (tenant, seq);
  `,
  // 5: cascades, one row per parent message: the plan (hermes.v1.Cascade)
  // written once, the progress (JSON) rewritten at each step; the undecided
  // ones indexed for resuming.
  `
  CREATE TABLE cascades (
    parent_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    plan BLOB NOT NULL,
    progress TEXT NOT NULL,
    done INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX cascades_undecided ON cascades (parent_id) WHERE done = 0;
  `,
];

/** A column of the layout of migration 2, from an event stored in the layout of migration 1. */
function eventColumn(body: Uint8Array, column: string): number | string | null {
  const event = fromBinary(DeliveryEventSchema, body);
  switch (column) {
    case "kind":
      return event.kind;
    case "status":
      return event.status;
    case "time":
      return event.time ? timestampMs(event.time) : 0;
    case "provider_id":
      return event.providerMessageId;
    default:
      return eventExtra({ ...event, time: 0, detail: event.detail });
  }
}

/** Runs the migrations `db` has not run yet, each in its own transaction. */
export function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  for (let i = version; i < migrations.length; i++) {
    const migration = migrations[i]!;
    db.transaction(() => {
      if (typeof migration === "string") db.exec(migration);
      else migration(db);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

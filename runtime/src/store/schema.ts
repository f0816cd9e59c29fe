/**
 * The SQLite schema, as ordered migrations. `user_version` records how many
 * have run; a new migration is appended, never edited.
 */
export const migrations: readonly string[] = [
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
    -- the message as accepted (hermes.v1.Message, binary); the columns above
    -- hold what changes afterwards
    body BLOB NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX messages_idempotency ON messages (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX messages_unfinished ON messages (status) WHERE status BETWEEN 1 AND 3;

  CREATE TABLE events (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    channel INTEGER NOT NULL,
    -- hermes.v1.DeliveryEvent, binary, without its sequence
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
];

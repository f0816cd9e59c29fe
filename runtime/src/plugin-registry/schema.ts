import type Database from "better-sqlite3";

/**
 * The registry's tables, as ordered migrations. They live in the gateway's
 * SQLite file beside the message store's, but are versioned on their own
 * (the store owns `user_version`): `plugin_registry_schema` records how many
 * ran. A new migration is appended, never edited.
 */
const migrations: readonly string[] = [
  `
  -- Artifacts, content-addressed: one row per distinct .wasm, shared by every
  -- version that happens to have the same bytes.
  CREATE TABLE plugin_artifacts (
    sha256 TEXT PRIMARY KEY,
    size_bytes INTEGER NOT NULL,
    bytes BLOB NOT NULL
  ) STRICT;

  CREATE TABLE plugin_versions (
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES plugin_artifacts (sha256),
    -- JSON array of the trusted key ids whose signatures verified
    signed_by TEXT NOT NULL,
    -- hermes.plugin.v1.Manifest, binary, as read from the artifact
    manifest BLOB NOT NULL,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (name, version)
  ) STRICT;

  -- Every activation, in order. The active version of a plugin is its latest
  -- activation not rolled back; a rollback marks the latest one rolled back,
  -- which makes the one before it active again.
  CREATE TABLE plugin_activations (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    activated_at INTEGER NOT NULL,
    rolled_back_at INTEGER,
    FOREIGN KEY (name, version) REFERENCES plugin_versions (name, version)
  ) STRICT;
  CREATE INDEX plugin_activations_name ON plugin_activations (name, sequence);

  CREATE TABLE plugin_trusted_keys (
    id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL UNIQUE,
    comment TEXT NOT NULL,
    added_at INTEGER NOT NULL
  ) STRICT;
  `,
];

export function migrateRegistry(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS plugin_registry_schema (version INTEGER NOT NULL) STRICT");
  const row = db.prepare("SELECT version FROM plugin_registry_schema").get() as
    | { version: number }
    | undefined;
  const current = row?.version ?? 0;
  if (current > migrations.length) {
    throw new Error(
      `the plugin registry schema is at version ${current}, newer than this gateway knows (${migrations.length}); upgrade the gateway`,
    );
  }
  db.transaction(() => {
    for (const sql of migrations.slice(current)) db.exec(sql);
    if (row) db.prepare("UPDATE plugin_registry_schema SET version = ?").run(migrations.length);
    else
      db.prepare("INSERT INTO plugin_registry_schema (version) VALUES (?)").run(migrations.length);
  }).immediate();
}

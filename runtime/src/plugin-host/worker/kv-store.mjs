// The plugins' key/value store: one SQLite file shared by the workers of a
// pool (WAL, so workers read while one writes), rows namespaced per plugin,
// route and tenant, with an expiry time. Opened on first use only.
import Database from "better-sqlite3";

export const maxKeyBytes = 512;
export const maxValueBytes = 64 * 1024;

export class KvStore {
  #path;
  #db;
  #get;
  #set;
  #delete;

  constructor(path) {
    this.#path = path;
  }

  get(namespace, key, now) {
    const row = this.#statements().get.get(namespace, key);
    if (!row || (row.expires_at !== null && row.expires_at <= now)) return undefined;
    return new Uint8Array(row.value);
  }

  set(namespace, key, value, ttlSeconds, now) {
    if (Buffer.byteLength(key) > maxKeyBytes)
      throw new Error(`kv key longer than ${maxKeyBytes} bytes`);
    if (value.length > maxValueBytes)
      throw new Error(`kv value of ${value.length} bytes exceeds ${maxValueBytes} bytes`);
    this.#statements().set.run(
      namespace,
      key,
      Buffer.from(value),
      ttlSeconds > 0 ? now + ttlSeconds * 1000 : null,
    );
  }

  delete(namespace, key) {
    this.#statements().delete.run(namespace, key);
  }

  close() {
    this.#db?.close();
  }

  #statements() {
    if (!this.#db) {
      this.#db = new Database(this.#path);
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("busy_timeout = 1000");
      this.#db.exec(
        "CREATE TABLE IF NOT EXISTS plugin_kv (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, expires_at INTEGER, PRIMARY KEY (ns, key))",
      );
      this.#get = this.#db.prepare(
        "SELECT value, expires_at FROM plugin_kv WHERE ns = ? AND key = ?",
      );
      this.#set = this.#db.prepare(
        "INSERT INTO plugin_kv (ns, key, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
      );
      this.#delete = this.#db.prepare("DELETE FROM plugin_kv WHERE ns = ? AND key = ?");
    }
    return { get: this.#get, set: this.#set, delete: this.#delete };
  }
}

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/**
 * Opens (creating its folder) one connection to the gateway's SQLite file as
 * every part that keeps rows in it needs it: WAL, so the message store and
 * the plugin registry can share the file, the durability asked for, and a
 * busy timeout for the moments their writes meet.
 */
export function openDatabase(
  path: string,
  synchronous: "FULL" | "NORMAL" = "FULL",
): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma("busy_timeout = 5000");
  return db;
}

import assert from "node:assert/strict";
import { test } from "node:test";
import Database from "better-sqlite3";
import { GroupCommit } from "./group-commit.js";

test("writes of one turn share one transaction; a failing write rejects alone", async () => {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)");
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
  let transactions = 0;
  const commit = new GroupCommit(db);
  const failures: number[] = [];
  const writes = [1, 2, 2, 3].map((v, i) =>
    commit.write(
      () => {
        if (db.inTransaction) transactions++;
        return insert.run(v).changes;
      },
      () => failures.push(i),
    ),
  );
  const settled = await Promise.allSettled(writes);
  assert.deepEqual(
    settled.map((s) => s.status),
    ["fulfilled", "fulfilled", "rejected", "fulfilled"],
  );
  assert.deepEqual(db.prepare("SELECT v FROM t ORDER BY v").pluck().all(), [1, 2, 3]);
  assert.ok(transactions >= 4, "every write ran inside a transaction");
  assert.deepEqual(failures, [2], "only the failing write hears that it failed");
  const next = await Promise.all([
    commit.write(() => insert.run(4)),
    commit.write(() => insert.run(5)),
  ]);
  assert.equal(next.length, 2);
  db.close();
});

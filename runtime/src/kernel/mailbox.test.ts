import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Fifo, PriorityMailbox } from "./mailbox.js";

describe("Fifo", () => {
  it("keeps order across shift, take, unshiftAll and compaction", () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 5000; i++) fifo.push(i);
    for (let i = 0; i < 3000; i++) assert.equal(fifo.shift(), i);
    assert.deepEqual(fifo.take(3), [3000, 3001, 3002]);
    fifo.unshiftAll([-2, -1]);
    assert.equal(fifo.length, 1999);
    assert.deepEqual(fifo.take(3), [-2, -1, 3003]);
    assert.equal(fifo.drain().length, 1996);
    assert.equal(fifo.shift(), undefined);
  });
});

describe("PriorityMailbox", () => {
  it("serves classes strictly in order and drops the oldest log message first", () => {
    const mailbox = new PriorityMailbox<string>(2);
    mailbox.push("log", "l1");
    mailbox.push("main", "m1");
    mailbox.push("log", "l2");
    assert.equal(mailbox.push("log", "l3"), "l1");
    mailbox.push("urgent", "u1");
    mailbox.push("system", "s1");
    assert.deepEqual(mailbox.depth(), {
      urgent: 1,
      system: 1,
      main: 1,
      log: 2,
      total: 5,
      dropped: 1,
    });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => mailbox.shift()),
      ["u1", "s1", "m1", "l2", "l3"],
    );
    assert.equal(mailbox.size, 0);
  });
});

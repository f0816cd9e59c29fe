import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as turn } from "node:timers/promises";
import { pino } from "pino";
import type { SmppConnection } from "../drivers/smpp/connection.js";
import type { ServerBind } from "./account.js";
import { AccountOutbox } from "./account-outbox.js";
import type { OutboxEntry, SmppServerStore } from "./server-store.js";

/** The outbox's rows, as the store would keep them. */
function fakeStore(rows: OutboxEntry[]): SmppServerStore {
  return {
    async pending(account: string, afterSeq: number, limit: number, now: number) {
      return rows
        .filter((r) => r.account === account && r.seq > afterSeq && r.expiresAt > now)
        .slice(0, limit);
    },
    async delivered(seq: number) {
      rows.splice(
        rows.findIndex((r) => r.seq === seq),
        1,
      );
    },
  } as Partial<SmppServerStore> as SmppServerStore;
}

/** A receiving bind whose connection records what it was asked to write. */
function fakeBind(): ServerBind & { written: Array<{ sequence: number; seq: number }> } {
  let sequence = 0;
  const written: Array<{ sequence: number; seq: number }> = [];
  const connection = {
    request(pdu: Buffer) {
      written.push({ sequence: ++sequence, seq: pdu.readUInt32BE(0) });
      return sequence;
    },
  } as Partial<SmppConnection> as SmppConnection;
  return { role: "receiver", connection, address: "127.0.0.1", written };
}

const entry = (seq: number, expiresAt = Number.MAX_SAFE_INTEGER): OutboxEntry => {
  const pdu = Buffer.alloc(4);
  pdu.writeUInt32BE(seq); // the entry's seq stands in for its deliver_sm
  return { seq, account: "acme", kind: "receipt", messageId: `m${seq}`, pdu, expiresAt };
};

function outbox(rows: OutboxEntry[], now: () => number = Date.now) {
  const events: string[] = [];
  const box = new AccountOutbox(
    "acme",
    fakeStore(rows),
    { window: 2, timeoutMs: 1000, retryMs: 500, now },
    {
      sent: (e) => events.push(`sent ${e.seq}`),
      acknowledged: (e) => events.push(`acked ${e.seq}`),
      retried: (e, why) => events.push(`retried ${e.seq} ${why}`),
    },
    pino({ level: "silent" }),
  );
  return { box, events };
}

test("stored entries go out in order when a bind comes, at most the window unanswered", async () => {
  const rows = [1, 2, 3, 4].map((seq) => entry(seq));
  const { box } = outbox(rows);
  const bind = fakeBind();
  box.bindsChanged([bind]);
  await turn();
  assert.deepEqual(
    bind.written.map((w) => w.seq),
    [1, 2],
  );
  box.answered(bind, 1, 0);
  box.answered(bind, 2, 0);
  await turn();
  assert.deepEqual(
    bind.written.map((w) => w.seq),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    rows.map((r) => r.seq),
    [3, 4],
    "acknowledged entries leave the store",
  );
});

test("a refused entry and an unanswered one are sent again after the retry delay", async () => {
  let now = 0;
  const { box, events } = outbox([entry(1), entry(2)], () => now);
  const bind = fakeBind();
  box.bindsChanged([bind]);
  await turn();
  box.answered(bind, 1, 0x08); // refused at 0: again from 500
  now = 400;
  box.sweep();
  now = 1001; // 1 is due; 2 is unanswered past its deadline: again from 1501
  box.sweep();
  now = 1400;
  box.sweep();
  now = 1600;
  box.sweep();
  assert.deepEqual(events, [
    "sent 1",
    "sent 2",
    "retried 1 refused",
    "retried 2 unanswered",
    "sent 1",
    "sent 2",
  ]);
  assert.deepEqual(
    bind.written.map((w) => w.seq),
    [1, 2, 1, 2],
  );
  assert.equal(box.inFlight, 2);
});

test("entries unanswered on a bind that goes are sent at once to another; none wait in memory without a bind", async () => {
  const rows = [entry(1), entry(2), entry(3)];
  const { box } = outbox(rows);
  const first = fakeBind();
  box.bindsChanged([first]);
  await turn();
  const second = fakeBind();
  box.bindsChanged([second]);
  await turn();
  assert.deepEqual(
    second.written.map((w) => w.seq),
    [1, 2],
  );
  box.bindsChanged([]);
  assert.equal(box.inFlight, 0);
  box.added([entry(4)]); // stays in the store until a bind reads it
  const third = fakeBind();
  box.bindsChanged([third]);
  await turn();
  box.answered(third, 1, 0);
  box.answered(third, 2, 0);
  await turn();
  assert.deepEqual(
    third.written.map((w) => w.seq),
    [1, 2, 3],
    "read again from the start, in order (entry 4 is not in the fake store)",
  );
});

test("an expired entry is not sent", async () => {
  let now = 10;
  const { box } = outbox([entry(1, 20), entry(2)], () => now);
  const bind = fakeBind();
  now = 30;
  box.bindsChanged([bind]);
  await turn();
  assert.deepEqual(
    bind.written.map((w) => w.seq),
    [2],
  );
});

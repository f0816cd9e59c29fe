import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { MessageStatus } from "@hermes/runtime/contracts";
import { clients } from "../support/gateway-harness.js";
import { untilTerminal } from "../support/wait.js";
import {
  bindEsme,
  receiptField,
  type ServerHarness,
  startServerGateway,
  submitFields,
  until,
} from "./support.js";

/** Submits texts one after another on a transmitter; resolves with their ids. */
async function submitAll(port: number, texts: readonly string[], to = "447700900001") {
  const esme = await bindEsme(port, "transmitter");
  const ids: string[] = [];
  for (const text of texts) {
    const resp = await esme.send("submit_sm", submitFields(to, text));
    assert.equal(resp.command_status, 0);
    ids.push(String(resp.message_id));
  }
  await esme.close();
  return ids;
}

describe("SMPP server: receipts wait for their account", () => {
  let h: ServerHarness;
  before(async () => {
    h = await startServerGateway({ receiptTimeoutMs: 300 });
  });
  after(() => h.close());

  test("receipts of an account that is not bound are stored, then delivered in order when it binds", async () => {
    const api = clients(h.gw.gateway.url);
    const ids = await submitAll(
      h.port,
      ["one", "two", "three", "four"].map((t) => `receipt ${t}`),
    );
    // Each finishes before the next is sent, so their receipts are queued in submit order.
    for (const id of ids) await untilTerminal(api.messages, id);
    const health = await api.admin.getHealth({});
    assert.equal(health.smppServer?.accounts.length, 0, "nobody bound");
    const receiver = await bindEsme(h.port, "receiver");
    try {
      await until(() => receiver.delivered.length === 4, "four stored receipts");
      assert.deepEqual(
        receiver.delivered.map((pdu) => pdu.receipted_message_id),
        ids,
      );
      assert.ok(receiver.delivered.every((pdu) => receiptField(pdu, "stat") === "DELIVRD"));
      await delay(400); // acknowledged: nothing is sent twice
      assert.equal(receiver.delivered.length, 4);
    } finally {
      await receiver.close();
    }
  });

  test("a receipt the ESME leaves unanswered, or refuses, is sent again until it answers ESME_ROK", async () => {
    const api = clients(h.gw.gateway.url);
    const receiver = await bindEsme(h.port, "receiver");
    try {
      receiver.answerWith = undefined; // silent
      const [id] = await submitAll(h.port, ["answer me"]);
      await untilTerminal(api.messages, id!);
      await until(() => receiver.delivered.length >= 2, "the receipt again after no answer");
      receiver.answerWith = 0x08; // ESME_RSYSERR
      const refusedFrom = receiver.delivered.length;
      await until(() => receiver.delivered.length > refusedFrom + 1, "again after a refusal");
      receiver.answerWith = 0;
      await until(() => {
        const n = receiver.delivered.length;
        return n > 0 && receiver.delivered[n - 1]!.receipted_message_id === id;
      }, "answered");
      const settled = receiver.delivered.length;
      await delay(800);
      assert.ok(receiver.delivered.length <= settled + 1, "no more once acknowledged");
      assert.ok(receiver.delivered.every((pdu) => pdu.receipted_message_id === id));
    } finally {
      await receiver.close();
    }
  });

  test("an MO goes to the account its rules name, stored until it binds", async () => {
    const mo = await h.smsc.injectMo({
      from: "+447700900555",
      to: "+447700900100",
      text: "STOP now",
    });
    assert.ok(mo >= 0);
    await delay(200);
    const receiver = await bindEsme(h.port, "transceiver");
    try {
      await until(() => receiver.delivered.some((pdu) => pdu.esm_class === 0), "the MO");
      const pdu = receiver.delivered.find((p) => p.esm_class === 0)!;
      assert.equal(pdu.source_addr, "447700900555");
      assert.equal(pdu.destination_addr, "447700900100");
      const sm = pdu.short_message as { message?: string };
      assert.equal(sm.message, "STOP now");
    } finally {
      await receiver.close();
    }
  });
});

describe("SMPP server: receipts survive a restart and expire", () => {
  const dir = mkdtempSync(join(tmpdir(), "hermes-smpp-server-"));
  const path = join(dir, "hermes.db");
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("receipts stored while unbound are delivered by the next gateway on the same file", async () => {
    const first = await startServerGateway({}, { store: { path } });
    let ids: string[];
    try {
      ids = await submitAll(first.port, ["before", "the", "restart"]);
      const api = clients(first.gw.gateway.url);
      for (const id of ids) await untilTerminal(api.messages, id);
    } finally {
      await first.close();
    }
    const second = await startServerGateway({}, { store: { path } });
    try {
      const receiver = await bindEsme(second.port, "receiver");
      await until(() => receiver.delivered.length === 3, "the receipts of before");
      assert.deepEqual(
        receiver.delivered.map((pdu) => pdu.receipted_message_id),
        ids,
      );
      await receiver.close();
    } finally {
      await second.close();
    }
  });

  test("a receipt not fetched within receiptTtlSeconds is dropped", async () => {
    const h = await startServerGateway({ receiptTtlSeconds: 1 });
    try {
      const [id] = await submitAll(h.port, ["expires"]);
      const api = clients(h.gw.gateway.url);
      const events = await untilTerminal(api.messages, id!);
      assert.equal(events.at(-1)?.status, MessageStatus.DELIVERED);
      await delay(1300);
      const receiver = await bindEsme(h.port, "receiver");
      await delay(300);
      assert.equal(receiver.delivered.length, 0);
      await receiver.close();
    } finally {
      await h.close();
    }
  });
});

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageStatus } from "@hermes/runtime/contracts";
import { clients, type Clients } from "../support/gateway-harness.js";
import { untilTerminal } from "../support/wait.js";
import {
  bindEsme,
  receiptField,
  type ServerHarness,
  startServerGateway,
  submitFields,
  until,
} from "./support.js";

describe("SMPP server: binds, submits and receipts with npm smpp as the ESME", () => {
  let h: ServerHarness;
  let api: Clients;

  before(async () => {
    h = await startServerGateway();
    api = clients(h.gw.gateway.url);
  });
  after(() => h.close());

  for (const mode of ["transceiver", "transmitter", "receiver"] as const) {
    test(`bind_${mode} with the account's password is accepted, and enquire_link answered`, async () => {
      const esme = await bindEsme(h.port, mode);
      const link = await esme.send("enquire_link");
      assert.equal(link.command, "enquire_link_resp");
      assert.equal(link.command_status, 0);
      const unbind = await esme.send("unbind");
      assert.equal(unbind.command_status, 0);
      await esme.closed;
    });
  }

  test("submit_sm is answered with the Hermes id once stored; its DELIVRD receipt comes back as deliver_sm", async () => {
    const esme = await bindEsme(h.port);
    try {
      const resp = await esme.send("submit_sm", submitFields("447700900001", "Your code is 1234"));
      assert.equal(resp.command_status, 0);
      const id = String(resp.message_id);
      // The id is the message's: the API finds it, stored for the account's tenant.
      const { message } = await api.messages.getMessage({ id });
      assert.equal(message?.tenant, "acme");
      assert.equal(message?.metadata.smpp_account, "acme");
      assert.equal(message?.content?.text, "Your code is 1234");
      await untilTerminal(api.messages, id);
      await until(() => esme.delivered.length === 1, "the receipt");
      const receipt = esme.delivered[0]!;
      assert.equal(receipt.esm_class, 0x04);
      assert.equal(receipt.receipted_message_id, id);
      assert.equal(receipt.message_state, 2);
      assert.equal(receiptField(receipt, "id"), id);
      assert.equal(receiptField(receipt, "stat"), "DELIVRD");
      assert.equal(receipt.source_addr, "447700900001");
      assert.equal(receipt.destination_addr, "Acme");
      const stored = await api.messages.getMessage({ id });
      assert.equal(stored.message?.status, MessageStatus.DELIVERED);
    } finally {
      await esme.close();
    }
  });

  test("data_sm is taken like submit_sm: data_sm_resp carries the Hermes id", async () => {
    const esme = await bindEsme(h.port, "transmitter");
    try {
      const resp = await esme.send("data_sm", {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: "447700900010",
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: "447700900011",
        registered_delivery: 1,
        data_coding: 0,
        message_payload: "sent as data sm",
      });
      assert.equal(resp.command, "data_sm_resp");
      assert.equal(resp.command_status, 0);
      const { message } = await api.messages.getMessage({ id: String(resp.message_id) });
      assert.equal(message?.content?.text, "sent as data sm");
      assert.equal(message?.from?.kind.value, "+447700900010");
    } finally {
      await esme.close();
    }
  });

  test("invalid destinations, data codings and lengths get the status a client expects; nothing is stored", async () => {
    const esme = await bindEsme(h.port, "transmitter");
    const stored = async () =>
      (await h.gw.gateway.store.eventsAfter(0, { tenant: "acme" }, 100_000)).length;
    try {
      const before = await stored();
      const status = async (fields: Record<string, unknown>) =>
        (await esme.send("submit_sm", submitFields("447700900001", "hello", fields)))
          .command_status;
      assert.equal(await status({ destination_addr: "12" }), 0x0b); // not E.164
      assert.equal(await status({ destination_addr: "44-77" }), 0x0b);
      assert.equal(await status({ dest_addr_ton: 2 }), 0x50);
      assert.equal(await status({ dest_addr_npi: 9 }), 0x51);
      assert.equal(await status({ data_coding: 4, short_message: Buffer.from([1, 2, 3]) }), 0x104);
      assert.equal(await status({ short_message: "" }), 0x01);
      assert.equal(await status({ source_addr: "A sender too long", source_addr_ton: 5 }), 0x0a);
      assert.equal(await status({ priority_flag: 7 }), 0x06);
      assert.equal(await stored(), before);
    } finally {
      await esme.close();
    }
  });
});

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
});

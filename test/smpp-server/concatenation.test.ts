import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageStatus } from "@hermes/runtime/contracts";
import { clients } from "../support/gateway-harness.js";
import { untilTerminal } from "../support/wait.js";
import {
  bindEsme,
  type ServerHarness,
  startServerGateway,
  submitFields,
  until,
} from "./support.js";

const chunks = ["The first part of a long text, ", "then its second part, ", "and the end."];
const whole = chunks.join("");

/** short_message with an 8-bit concatenation UDH. */
const udhPart = (reference: number, total: number, seq: number, text: string) =>
  submitFields("447700900001", "", {
    esm_class: 0x40,
    short_message: Buffer.concat([
      Buffer.from([0x05, 0x00, 0x03, reference, total, seq]),
      Buffer.from(text, "latin1"),
    ]),
  });

describe("SMPP server: long messages become one message", () => {
  let h: ServerHarness;
  before(async () => {
    h = await startServerGateway();
  });
  after(() => h.close());

  test("UDH parts: earlier parts get ids of their own, the last the message's; one receipt per id", async () => {
    const api = clients(h.gw.gateway.url);
    const esme = await bindEsme(h.port);
    try {
      const answers = [];
      for (const [i, text] of chunks.entries())
        answers.push(await esme.send("submit_sm", udhPart(0x21, 3, i + 1, text)));
      assert.deepEqual(
        answers.map((a) => a.command_status),
        [0, 0, 0],
      );
      const ids = answers.map((a) => String(a.message_id));
      const [group] = ids[0]!.split(".");
      assert.deepEqual(ids.slice(0, 2), [`${group}.1`, `${group}.2`]);
      const { message } = await api.messages.getMessage({ id: ids[2]! });
      assert.equal(message?.content?.text, whole);
      assert.equal(message?.metadata.smpp_parts, "3");
      assert.equal(
        (await untilTerminal(api.messages, ids[2]!)).at(-1)?.status,
        MessageStatus.DELIVERED,
      );
      await until(() => esme.delivered.length === 3, "a receipt for each id");
      assert.deepEqual(
        esme.delivered.map((pdu) => pdu.receipted_message_id),
        ids,
      );
    } finally {
      await esme.close();
    }
  });

  test("SAR parts out of order, and a part sent twice, make one message in order", async () => {
    const api = clients(h.gw.gateway.url);
    const esme = await bindEsme(h.port, "transmitter");
    try {
      const sar = (seq: number) =>
        submitFields("447700900003", chunks[seq - 1]!, {
          sar_msg_ref_num: 0x1234,
          sar_total_segments: 3,
          sar_segment_seqnum: seq,
        });
      const second = await esme.send("submit_sm", sar(2));
      const again = await esme.send("submit_sm", sar(2));
      assert.equal(again.message_id, second.message_id);
      await esme.send("submit_sm", sar(3));
      const last = await esme.send("submit_sm", sar(1));
      const { message } = await api.messages.getMessage({ id: String(last.message_id) });
      assert.equal(message?.content?.text, whole);
    } finally {
      await esme.close();
    }
  });

  test("message_payload carries a long text in one submit_sm", async () => {
    const api = clients(h.gw.gateway.url);
    const esme = await bindEsme(h.port, "transmitter");
    try {
      const text = "payload ".repeat(60);
      const resp = await esme.send(
        "submit_sm",
        submitFields("447700900004", "", { short_message: "", message_payload: text }),
      );
      assert.equal(resp.command_status, 0);
      const { message } = await api.messages.getMessage({ id: String(resp.message_id) });
      assert.equal(message?.content?.text, text);
    } finally {
      await esme.close();
    }
  });
});

describe("SMPP server: parts acknowledged before a restart are not lost", () => {
  const dir = mkdtempSync(join(tmpdir(), "hermes-smpp-parts-"));
  const path = join(dir, "hermes.db");
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("two parts before a restart and the last after it make the whole message", async () => {
    const first = await startServerGateway({}, { store: { path } });
    try {
      const esme = await bindEsme(first.port, "transmitter");
      for (const seq of [1, 2])
        assert.equal(
          (await esme.send("submit_sm", udhPart(0x42, 3, seq, chunks[seq - 1]!))).command_status,
          0,
        );
      await esme.close();
    } finally {
      await first.close();
    }
    const second = await startServerGateway({}, { store: { path } });
    try {
      const esme = await bindEsme(second.port, "transmitter");
      const last = await esme.send("submit_sm", udhPart(0x42, 3, 3, chunks[2]!));
      assert.equal(last.command_status, 0);
      const api = clients(second.gw.gateway.url);
      const { message } = await api.messages.getMessage({ id: String(last.message_id) });
      assert.equal(message?.content?.text, whole);
      await esme.close();
    } finally {
      await second.close();
    }
  });

  test("a message whose last part never comes is sent with what came once partsTimeoutMs passes", async () => {
    const h = await startServerGateway({ partsTimeoutMs: 300 });
    try {
      const esme = await bindEsme(h.port);
      const first = await esme.send("submit_sm", udhPart(0x43, 2, 1, "only this part"));
      assert.equal(first.command_status, 0);
      await until(() => esme.delivered.length === 1, "the receipt of the incomplete message", 5000);
      await new Promise((resolve) => setTimeout(resolve, 200)); // and no receipt for an id it was never given
      assert.deepEqual(
        esme.delivered.map((pdu) => pdu.receipted_message_id),
        [first.message_id],
      );
      await esme.close();
    } finally {
      await h.close();
    }
  });
});

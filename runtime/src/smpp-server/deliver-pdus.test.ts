import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePdu } from "../drivers/smpp/pdu-codec.js";
import { parseReceipt } from "../drivers/smpp/receipts.js";
import { splitUserData, decodeText } from "../drivers/smpp/sms-encoding.js";
import { concatenationOf } from "../drivers/smpp/inbound-parts.js";
import { errorDetail, ErrorCode } from "../errors/hermes-error.js";
import { MessageStatus } from "../gen/hermes/v1/message_pb.js";
import { moPdus, receiptPdu, wantsReceipt } from "./deliver-pdus.js";

const facts = {
  id: "01J0000000000000000000000A",
  source: { ton: 5, npi: 0, addr: "Acme" },
  destination: { ton: 1, npi: 1, addr: "447700900001" },
  submittedAt: Date.UTC(2026, 0, 2, 3, 4),
  doneAt: Date.UTC(2026, 0, 2, 3, 5),
};

test("a receipt reads back through the driver's own receipt parser: id, stat, dates, TLVs", () => {
  const pdu = decodePdu(receiptPdu({ ...facts, status: MessageStatus.DELIVERED }));
  assert.equal(pdu.command, "deliver_sm");
  if (pdu.command !== "deliver_sm") return;
  assert.equal(pdu.esm_class, 0x04);
  assert.equal(pdu.source_addr, "447700900001");
  assert.equal(pdu.destination_addr, "Acme");
  assert.equal(pdu.source_addr_ton, 1);
  assert.equal(pdu.dest_addr_ton, 5);
  const receipt = parseReceipt(pdu.short_message.toString("latin1"), pdu);
  assert.equal(receipt?.id, facts.id);
  assert.equal(receipt?.tlvId, facts.id);
  assert.equal(receipt?.stat, "DELIVRD");
  assert.equal(receipt?.err, "000");
  assert.equal(receipt?.dlvrd, "001");
  assert.equal(receipt?.submitDate?.getTime(), facts.submittedAt);
  assert.equal(receipt?.doneDate?.getTime(), facts.doneAt);
  assert.equal(pdu.message_state, 2);
});

test("failures: UNDELIV with the provider's numeric code, EXPIRED, REJECTD", () => {
  const read = (status: MessageStatus, providerCode = "") => {
    const pdu = decodePdu(
      receiptPdu({
        ...facts,
        status,
        error: errorDetail(ErrorCode.PROVIDER_REJECTED, "no", { providerCode }),
      }),
    );
    if (pdu.command !== "deliver_sm") throw new Error("not a deliver_sm");
    const receipt = parseReceipt(pdu.short_message.toString("latin1"), {});
    return [receipt?.stat, receipt?.err, pdu.message_state];
  };
  assert.deepEqual(read(MessageStatus.FAILED, "34"), ["UNDELIV", "034", 5]);
  assert.deepEqual(read(MessageStatus.FAILED, "0x0000000b ESME_RINVDSTADR"), ["UNDELIV", "000", 5]);
  assert.deepEqual(read(MessageStatus.EXPIRED), ["EXPIRED", "000", 3]);
  assert.deepEqual(read(MessageStatus.REJECTED), ["REJECTD", "000", 8]);
});

test("registered_delivery: none, any final, failure only, success only", () => {
  const asked = (rd: number) =>
    [MessageStatus.DELIVERED, MessageStatus.FAILED].map((s) => wantsReceipt(rd, s));
  assert.deepEqual(asked(0), [false, false]);
  assert.deepEqual(asked(1), [true, true]);
  assert.deepEqual(asked(2), [false, true]);
  assert.deepEqual(asked(3), [true, false]);
  assert.deepEqual(asked(0x11), [true, true]); // intermediate-notification bit: finals as asked
});

test("an MO becomes deliver_sm from the sender to the number; a long one in UDH parts, in order", () => {
  const [single] = moPdus({ from: "+447700900123", to: "+447700900100", text: "STOP" }, () => 1);
  const pdu = decodePdu(single!);
  if (pdu.command !== "deliver_sm") throw new Error("not a deliver_sm");
  assert.equal(pdu.source_addr, "447700900123");
  assert.equal(pdu.source_addr_ton, 1);
  assert.equal(pdu.destination_addr, "447700900100");
  assert.equal(pdu.esm_class, 0);
  assert.equal(decodeText(pdu.short_message, pdu.data_coding), "STOP");

  const text = "Ωmega ".repeat(40);
  const parts = moPdus({ from: "+447700900123", to: "12345", text }, () => 9).map(decodePdu);
  assert.equal(parts.length, 2);
  let joined = "";
  parts.forEach((part, i) => {
    if (part.command !== "deliver_sm") throw new Error("not a deliver_sm");
    const { udh, message } = splitUserData(part.short_message, part.esm_class);
    assert.deepEqual(concatenationOf(udh, {}), { reference: 9, total: 2, seq: i + 1 });
    joined += decodeText(message, part.data_coding);
  });
  assert.equal(joined, text);
});

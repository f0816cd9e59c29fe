import { test } from "node:test";
import assert from "node:assert/strict";
import type { DataSm, SubmitSm } from "../drivers/smpp/pdu-types.js";
import { readSubmit } from "./submit-reader.js";
import { serverStatus } from "./status.js";

const submit = (fields: Partial<SubmitSm> = {}): SubmitSm => ({
  command: "submit_sm",
  command_status: 0,
  sequence_number: 1,
  service_type: "",
  source_addr_ton: 5,
  source_addr_npi: 0,
  source_addr: "Acme",
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: "447700900001",
  esm_class: 0,
  protocol_id: 0,
  priority_flag: 0,
  schedule_delivery_time: "",
  validity_period: "",
  registered_delivery: 1,
  replace_if_present_flag: 0,
  data_coding: 0,
  sm_default_msg_id: 0,
  short_message: Buffer.from("hello", "latin1"),
  ...fields,
});

const refusal = (pdu: SubmitSm | DataSm) => {
  const reading = readSubmit(pdu);
  return reading.ok ? undefined : reading.status;
};

test("a plain submit_sm becomes a message to +destination from its sender, one part", () => {
  const reading = readSubmit(submit({ priority_flag: 2 }));
  assert.ok(reading.ok);
  assert.equal(reading.request.to, "+447700900001");
  assert.equal(reading.request.from, "Acme");
  assert.equal(reading.request.text, "hello");
  assert.equal(reading.request.priority, 6);
  assert.equal(reading.request.parts, 1);
  assert.equal(reading.request.part, undefined);
});

test("senders: TON 1 and long unknown-TON numbers get a plus, short codes stay", () => {
  const from = (source_addr: string, source_addr_ton: number) => {
    const reading = readSubmit(submit({ source_addr, source_addr_ton }));
    return reading.ok ? reading.request.from : "refused";
  };
  assert.equal(from("447700900002", 1), "+447700900002");
  assert.equal(from("447700900002", 0), "+447700900002");
  assert.equal(from("12345", 3), "12345");
  assert.equal(from("", 0), undefined);
});

test("UCS2, Latin-1 and IA5 texts are decoded by data_coding", () => {
  const ucs2 = readSubmit(
    submit({ data_coding: 8, short_message: Buffer.from("Привет", "utf16le").swap16() }),
  );
  assert.ok(ucs2.ok && ucs2.request.text === "Привет");
  const latin1 = readSubmit(
    submit({ data_coding: 3, short_message: Buffer.from("café", "latin1") }),
  );
  assert.ok(latin1.ok && latin1.request.text === "café");
  // GSM 03.38 with message class 2: 0x1F is "É" in GSM, not in Latin-1.
  const classed = readSubmit(submit({ data_coding: 0xf2, short_message: Buffer.from([0x1f]) }));
  assert.ok(classed.ok && classed.request.text === "É");
});

test("a UDH part and SAR TLVs say where the part belongs", () => {
  const udh = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]);
  const part = readSubmit(
    submit({ esm_class: 0x40, short_message: Buffer.concat([udh, Buffer.from("first ")]) }),
  );
  assert.ok(part.ok);
  assert.deepEqual(part.request.part, { reference: 0x2a, total: 2, seq: 1 });
  assert.equal(part.request.text, "first ");
  const sar = readSubmit(
    submit({ sar_msg_ref_num: 7, sar_total_segments: 3, sar_segment_seqnum: 3 }),
  );
  assert.ok(sar.ok);
  assert.deepEqual(sar.request.part, { reference: 7, total: 3, seq: 3 });
});

test("a long message_payload counts as the SMS parts it becomes", () => {
  const reading = readSubmit(
    submit({ short_message: Buffer.alloc(0), message_payload: Buffer.from("x".repeat(400)) }),
  );
  assert.ok(reading.ok);
  assert.equal(reading.request.text.length, 400);
  assert.equal(reading.request.parts, 3); // 153 GSM septets a part
});

test("data_sm carries its text in message_payload", () => {
  const pdu: DataSm = {
    command: "data_sm",
    command_status: 0,
    sequence_number: 1,
    service_type: "",
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: "447700900009",
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: "447700900001",
    esm_class: 0,
    registered_delivery: 1,
    data_coding: 0,
    message_payload: Buffer.from("via data-sm"),
  };
  const reading = readSubmit(pdu);
  assert.ok(reading.ok && reading.request.text === "via data-sm");
});

test("what a client gets wrong is refused with the status it expects", () => {
  assert.equal(refusal(submit({ data_coding: 0x04 })), serverStatus.invalidDataCoding);
  assert.equal(refusal(submit({ data_coding: 0x02 })), serverStatus.invalidDataCoding);
  assert.equal(refusal(submit({ dest_addr_ton: 2 })), serverStatus.invalidDestinationTon);
  assert.equal(refusal(submit({ dest_addr_npi: 9 })), serverStatus.invalidDestinationNpi);
  assert.equal(refusal(submit({ destination_addr: "" })), serverStatus.invalidDestinationAddress);
  assert.equal(
    refusal(submit({ destination_addr: "44abc" })),
    serverStatus.invalidDestinationAddress,
  );
  assert.equal(
    refusal(submit({ short_message: Buffer.alloc(0) })),
    serverStatus.invalidMessageLength,
  );
  assert.equal(
    refusal(submit({ data_coding: 8, short_message: Buffer.from([0x00, 0x41, 0x00]) })),
    serverStatus.invalidMessageLength,
  );
  assert.equal(
    refusal(submit({ message_payload: Buffer.from("both") })),
    serverStatus.invalidMessageLength,
  );
  assert.equal(refusal(submit({ priority_flag: 4 })), serverStatus.invalidPriority);
  assert.equal(
    refusal(
      submit({ short_message: Buffer.alloc(0), message_payload: Buffer.from("x".repeat(40_000)) }),
    ),
    serverStatus.invalidMessageLength,
  );
});

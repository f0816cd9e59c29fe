import { describe, test } from "node:test";
import assert from "node:assert/strict";
import smpp, { type PDU } from "smpp";
import { HermesError } from "../../errors/hermes-error.js";
import { decodePdu, encodePdu } from "./pdu-codec.js";
import {
  hotCommandIds,
  type DataSm,
  type HotPdu,
  type MessageResp,
  type ShortMessageBody,
  type SubmitSm,
} from "./pdu-types.js";
import { decodeText, encodeText, splitUserData, type EncodingOptions } from "./sms-encoding.js";

/** A small seeded generator (mulberry32), so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function header(length: number, commandId: number, status: number, sequence: number): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(length, 0);
  bytes.writeUInt32BE(commandId, 4);
  bytes.writeUInt32BE(status, 8);
  bytes.writeUInt32BE(sequence, 12);
  return bytes;
}

const blank: ShortMessageBody = {
  service_type: "",
  source_addr_ton: 0,
  source_addr_npi: 0,
  source_addr: "",
  dest_addr_ton: 0,
  dest_addr_npi: 0,
  destination_addr: "",
  esm_class: 0,
  protocol_id: 0,
  priority_flag: 0,
  schedule_delivery_time: "",
  validity_period: "",
  registered_delivery: 0,
  replace_if_present_flag: 0,
  data_coding: 0,
  sm_default_msg_id: 0,
  short_message: Buffer.alloc(0),
};

const submit = (fields: Partial<SubmitSm>, sequence = 1): SubmitSm => ({
  command: "submit_sm",
  command_status: 0,
  sequence_number: sequence,
  ...blank,
  ...fields,
});

/**
 * npm `smpp`'s encoding of the same PDU (its field names are ours; other_tlvs become numeric keys).
 */
function theirs(pdu: HotPdu): Buffer {
  const { command, other_tlvs, ...fields } = pdu as HotPdu & { other_tlvs?: unknown };
  return new smpp.PDU(command, fields).toBuffer();
}

/** The parts the driver would submit for `text` with these options, as PDUs. */
function driverParts(text: string, options: Partial<EncodingOptions>): SubmitSm[] {
  const encoded = encodeText(
    text,
    {
      alphabet: "gsm7",
      gsmDataCoding: 0,
      longMessage: "udh",
      udhReference: 8,
      maxParts: 255,
      ...options,
    },
    () => 0x1234,
  );
  return encoded.parts.map((part, i) =>
    submit(
      {
        source_addr_ton: 5,
        source_addr: "Hermes",
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: "447700900123",
        registered_delivery: 1,
        priority_flag: 1,
        validity_period: "260101120000000+",
        data_coding: encoded.dataCoding,
        esm_class: part.esmClass,
        short_message: part.shortMessage,
        ...part.tlvs,
      },
      i + 1,
    ),
  );
}

const texts = [
  "Your code is 123456",
  "Grüße {ok} [x] ~ | € ^ \f",
  "привет, мир 😀",
  "café crème",
  "A".repeat(400),
  "Ä€".repeat(120),
  "日本語のテキスト".repeat(20),
];
const codings: Array<Partial<EncodingOptions>> = [
  { alphabet: "gsm7" },
  { alphabet: "gsm7", gsmDataCoding: 1 },
  { alphabet: "latin1" },
  { alphabet: "ucs2" },
  { alphabet: "gsm7", udhReference: 16 },
  { alphabet: "gsm7", longMessage: "sar" },
  { alphabet: "latin1", longMessage: "payload" },
  { alphabet: "ucs2", longMessage: "payload" },
];

/** The text smpp decoded from a PDU's user data, as our decodeText reads the same octets. */
function sameText(ours: ShortMessageBody, decoded: PDU): void {
  const data = ours.short_message.length > 0 ? ours.short_message : ours.message_payload!;
  const { udh, message } = splitUserData(data, ours.esm_class);
  const body = (
    ours.short_message.length > 0 ? decoded.short_message : decoded.message_payload
  ) as { udh?: Buffer[]; message: unknown };
  assert.equal(decodeText(message, ours.data_coding), body.message);
  assert.deepEqual(udh && [udh.subarray(1)], body.udh && [Buffer.concat(body.udh)]);
}

describe("the hand-written PDU codec agrees with npm smpp", () => {
  test("submit_sm as the driver builds it: every alphabet, UDH 8/16, SAR, message_payload", () => {
    let checked = 0;
    for (const options of codings)
      for (const text of texts) {
        for (const pdu of driverParts(text, options)) {
          const bytes = encodePdu(pdu);
          assert.deepEqual(bytes, theirs(pdu), `${JSON.stringify(options)} ${text}`);
          // Their bytes decode with ours to what went in, and ours with theirs to the same text.
          assert.deepEqual(decodePdu(theirs(pdu)), pdu);
          const decoded = new smpp.PDU(bytes);
          assert.equal(decoded.destination_addr, pdu.destination_addr);
          assert.equal(decoded.sar_segment_seqnum, pdu.sar_segment_seqnum);
          sameText(pdu, decoded);
          checked++;
        }
      }
    assert.ok(checked > 80, `${checked} PDUs`);
  });

  test("empty and longest C-Octet Strings, every mandatory field at its extremes", () => {
    for (const fields of [
      {},
      {
        service_type: "CMT12",
        source_addr_ton: 255,
        source_addr_npi: 255,
        source_addr: "12345678901234567890",
        dest_addr_ton: 6,
        dest_addr_npi: 18,
        destination_addr: "98765432109876543210",
        esm_class: 0xff,
        protocol_id: 0x7f,
        priority_flag: 3,
        schedule_delivery_time: "991231235959000-",
        validity_period: "000014000000000R",
        registered_delivery: 0x1f,
        replace_if_present_flag: 1,
        data_coding: 0xf4,
        sm_default_msg_id: 254,
        short_message: Buffer.alloc(254, 0xa5),
      },
    ]) {
      for (const command of ["submit_sm", "deliver_sm"] as const) {
        const pdu = { ...submit(fields, 0x7fffffff), command };
        assert.deepEqual(encodePdu(pdu), theirs(pdu), command);
        assert.deepEqual(decodePdu(theirs(pdu)), pdu);
      }
    }
  });

  test("delivery receipts with TLVs, and TLVs smpp knows that we keep raw", () => {
    const receipt = {
      ...submit({}),
      command: "deliver_sm" as const,
      source_addr: "447700900123",
      destination_addr: "Hermes",
      esm_class: 0x04,
      short_message: Buffer.from(
        "id:1A2B3C sub:001 dlvrd:001 submit date:2601011200 done date:2601011201 stat:DELIVRD err:000 text:Your code",
      ),
      receipted_message_id: "1A2B3C",
      message_state: 2,
      network_error_code: Buffer.from([3, 0x00, 0x42]),
    };
    assert.deepEqual(encodePdu(receipt), theirs(receipt));
    assert.deepEqual(decodePdu(theirs(receipt)), receipt);
    const decoded = new smpp.PDU(encodePdu(receipt));
    assert.equal(decoded.receipted_message_id, "1A2B3C");
    assert.equal(decoded.message_state, 2);
    assert.deepEqual(decoded.network_error_code, Buffer.from([3, 0, 0x42]));

    // source_port (0x020a), user_message_reference (0x0204): ours keeps their octets, in order.
    const other = submit({
      other_tlvs: [
        { tag: 0x020a, value: Buffer.from([0x0b, 0x84]) },
        { tag: 0x0204, value: Buffer.from([0x00, 0x07]) },
      ],
    });
    const expected = new smpp.PDU("submit_sm", {
      sequence_number: 1,
      source_port: 2948,
      user_message_reference: 7,
    }).toBuffer();
    assert.deepEqual(encodePdu(other), expected);
    assert.deepEqual(decodePdu(expected), other);
    // A vendor TLV nobody knows survives a round trip as it came.
    const vendor = submit({ other_tlvs: [{ tag: 0x1401, value: Buffer.from("vendor") }] });
    assert.deepEqual(decodePdu(encodePdu(vendor)), vendor);
    assert.deepEqual(new smpp.PDU(encodePdu(vendor))[0x1401], Buffer.from("vendor"));
  });

  test("responses, enquire_link and generic_nack", () => {
    const cases: HotPdu[] = [
      { command: "submit_sm_resp", command_status: 0, sequence_number: 9, message_id: "1a2b3c" },
      { command: "submit_sm_resp", command_status: 0, sequence_number: 9, message_id: "" },
      {
        command: "submit_sm_resp",
        command_status: 0,
        sequence_number: 9,
        message_id: "x".repeat(64),
      },
      { command: "deliver_sm_resp", command_status: 0, sequence_number: 10, message_id: "" },
      { command: "data_sm_resp", command_status: 0, sequence_number: 11, message_id: "77" },
      { command: "enquire_link", command_status: 0, sequence_number: 12 },
      { command: "enquire_link_resp", command_status: 0, sequence_number: 12 },
      { command: "generic_nack", command_status: 3, sequence_number: 13 },
    ];
    for (const pdu of cases) {
      assert.deepEqual(encodePdu(pdu), theirs(pdu), pdu.command);
      assert.deepEqual(decodePdu(theirs(pdu)), pdu, pdu.command);
      const decoded = new smpp.PDU(encodePdu(pdu));
      assert.equal(decoded.command, pdu.command);
      assert.equal(decoded.sequence_number, pdu.sequence_number);
    }
    // An error response is its header alone, both ways; a padded one is read as the header says.
    for (const command of ["submit_sm_resp", "deliver_sm_resp", "data_sm_resp"] as const) {
      const error: MessageResp = {
        command,
        command_status: 0x58,
        sequence_number: 14,
        message_id: "",
      };
      assert.equal(encodePdu(error).length, 16);
      assert.deepEqual(encodePdu(error), theirs(error));
      const padded = Buffer.concat([encodePdu(error), Buffer.from([0x41, 0x42])]);
      padded.writeUInt32BE(padded.length, 0);
      assert.deepEqual(decodePdu(padded), error);
    }
    // An OK response without the NUL some SMSCs leave out of an empty message_id.
    const bare = header(16, hotCommandIds.deliver_sm_resp, 0, 3);
    assert.deepEqual(decodePdu(bare), {
      command: "deliver_sm_resp",
      command_status: 0,
      sequence_number: 3,
      message_id: "",
    });
  });

  test("data_sm", () => {
    const pdu: DataSm = {
      command: "data_sm",
      command_status: 0,
      sequence_number: 21,
      service_type: "WAP",
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: "447700900555",
      dest_addr_ton: 3,
      dest_addr_npi: 0,
      destination_addr: "12345",
      esm_class: 0x04,
      registered_delivery: 0,
      data_coding: 8,
      message_payload: Buffer.from("hi there", "utf16le").swap16(),
      receipted_message_id: "ab12",
      message_state: 5,
    };
    assert.deepEqual(encodePdu(pdu), theirs(pdu));
    assert.deepEqual(decodePdu(theirs(pdu)), pdu);
    assert.equal(
      (new smpp.PDU(encodePdu(pdu)).message_payload as { message: string }).message,
      "hi there",
    );
  });

  test("random field combinations agree byte for byte, and round-trip", () => {
    const next = random(17);
    const int = (n: number) => Math.floor(next() * n);
    const ascii = (max: number) =>
      String.fromCharCode(...Array.from({ length: int(max + 1) }, () => 0x20 + int(0x5f)));
    for (let i = 0; i < 2000; i++) {
      const optional: Record<string, unknown> = {};
      if (next() < 0.3) optional.message_payload = Buffer.from(ascii(300));
      if (next() < 0.3) {
        optional.sar_msg_ref_num = int(0x10000);
        optional.sar_total_segments = 1 + int(255);
        optional.sar_segment_seqnum = 1 + int(255);
      }
      if (next() < 0.3) optional.receipted_message_id = ascii(64);
      if (next() < 0.3) optional.message_state = int(10);
      if (next() < 0.3) optional.network_error_code = Buffer.from([int(256), int(256), int(256)]);
      const pdu = {
        ...submit({}, 1 + int(0x7fffffff)),
        command: next() < 0.5 ? ("submit_sm" as const) : ("deliver_sm" as const),
        service_type: ascii(5),
        source_addr_ton: int(256),
        source_addr_npi: int(256),
        source_addr: ascii(20),
        dest_addr_ton: int(256),
        dest_addr_npi: int(256),
        destination_addr: ascii(20),
        esm_class: int(256),
        protocol_id: int(256),
        priority_flag: int(4),
        validity_period: next() < 0.5 ? "" : "260101120000004+",
        registered_delivery: int(256),
        data_coding: int(256),
        short_message: Buffer.from(Array.from({ length: int(255) }, () => int(256))),
        ...optional,
      };
      const bytes = encodePdu(pdu);
      assert.deepEqual(bytes, theirs(pdu), `case ${i}`);
      assert.deepEqual(decodePdu(bytes), pdu, `case ${i}`);
    }
  });
});

describe("hostile input: a clear error, never a crash or a read past the PDU", () => {
  const valid = encodePdu(
    submit({
      source_addr: "Hermes",
      destination_addr: "447700900123",
      short_message: Buffer.from("hello"),
      receipted_message_id: "abc",
    }),
  );
  const withLength = (bytes: Buffer) => {
    const copy = Buffer.from(bytes);
    copy.writeUInt32BE(copy.length, 0);
    return copy;
  };
  /** A deliver_sm of blank mandatory fields (17 octets, sm_length 0) and then `tail`. */
  const deliver = (tail: number[]) =>
    withLength(
      Buffer.concat([encodePdu({ ...submit({}), command: "deliver_sm" }), Buffer.from(tail)]),
    );

  const cases: Array<[string, Buffer, RegExp]> = [
    ["no header", Buffer.alloc(10), /no header/],
    ["command_length that lies", Buffer.concat([valid, Buffer.alloc(3)]), /command_length/],
    ["a command this codec does not decode", header(16, 0x00000009, 0, 1), /not decoded here/],
    ["a body cut short", withLength(valid.subarray(0, 20)), /has no NUL|missing/],
    ["an empty submit_sm body", withLength(valid.subarray(0, 16)), /service_type is missing/],
    [
      "a C-Octet String without a NUL",
      withLength(Buffer.concat([valid.subarray(0, 17), Buffer.from("447700900123")])),
      /source_addr has no NUL terminator/,
    ],
    [
      "sm_length beyond the PDU",
      (() => {
        const cut = withLength(encodePdu(submit({ short_message: Buffer.from("hello") })));
        cut[cut.length - 6] = 200; // sm_length
        return cut;
      })(),
      /sm_length\) declares 200 octets, 5 left/,
    ],
    ["a TLV header cut short", deliver([0x04, 0x27, 0x00]), /3 octets left, too few for a TLV/],
    [
      "a TLV longer than what is left",
      deliver([0x04, 0x27, 0x00, 0x01]),
      /declares 1 octets, 0 left/,
    ],
    [
      "a huge TLV length",
      deliver([0x04, 0x24, 0xff, 0xff, 1, 2, 3]),
      /TLV 0x0424 declares 65535 octets, 3 left/,
    ],
    [
      "a fixed-size TLV of the wrong size",
      deliver([0x04, 0x27, 0x00, 0x02, 0x02, 0x00]),
      /message_state is 2 octets, expected 1/,
    ],
    [
      "an unknown TLV that overruns",
      deliver([0x14, 0x01, 0x00, 0x09, 1, 2]),
      /TLV 0x1401 declares 9 octets, 2 left/,
    ],
    [
      "enquire_link with a body",
      Buffer.concat([header(17, hotCommandIds.enquire_link, 0, 1), Buffer.from([0])]),
      /1 octets of body, it has none/,
    ],
    [
      "a submit_sm_resp whose message_id has no NUL",
      Buffer.concat([header(19, hotCommandIds.submit_sm_resp, 0, 1), Buffer.from("abc")]),
      /message_id has no NUL terminator/,
    ],
  ];
  for (const [label, bytes, error] of cases) {
    test(label, () => {
      assert.throws(
        () => decodePdu(bytes),
        (e: unknown) => e instanceof HermesError && error.test(e.message),
      );
    });
  }

  test("values that do not fit their fields are refused on encode", () => {
    for (const [fields, error] of [
      [{ esm_class: 256 }, /esm_class 256 is not an octet/],
      [{ data_coding: -1 }, /data_coding -1 is not an octet/],
      [{ source_addr: "a\u0000b" }, /source_addr cannot carry U\+0000/],
      [{ source_addr: "Hermes™" }, /source_addr cannot carry U\+2122/],
      [{ short_message: Buffer.alloc(255) }, /short_message is 255 octets, at most 254/],
      [{ message_payload: Buffer.alloc(70_000) }, /message_payload 70000 is not a 16-bit value/],
      [{ sar_msg_ref_num: 0x10000 }, /sar_msg_ref_num 65536 is not a 16-bit value/],
    ] as const) {
      assert.throws(
        () => encodePdu(submit(fields as Partial<SubmitSm>)),
        (e: unknown) => e instanceof HermesError && error.test(e.message),
      );
    }
  });

  test("random bytes and mutated PDUs: decode returns or throws a HermesError, within bounds", () => {
    const next = random(42);
    const int = (n: number) => Math.floor(next() * n);
    const seeds = [
      valid,
      encodePdu(driverParts("A".repeat(300), { longMessage: "sar" })[1]!),
      encodePdu({
        command: "submit_sm_resp",
        command_status: 0,
        sequence_number: 5,
        message_id: "abc",
      }),
      deliver([0x04, 0x27, 0x00, 0x01, 0x02, 0x00, 0x1e, 0x00, 0x03, 0x61, 0x62, 0x00]),
    ];
    const ids = Object.values(hotCommandIds);
    const deadline = Date.now() + 1500;
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 50_000 && Date.now() < deadline; i++) {
      let bytes: Buffer;
      if (i % 4 === 0) {
        // Noise behind a plausible header.
        bytes = Buffer.from(Array.from({ length: 16 + int(200) }, () => int(256)));
        bytes.writeUInt32BE(ids[int(ids.length)]!, 4);
      } else {
        bytes = Buffer.from(seeds[int(seeds.length)]!);
        for (let flips = 1 + int(4); flips > 0; flips--)
          bytes[16 + int(bytes.length - 16)] = int(256);
        if (next() < 0.3) bytes = bytes.subarray(0, 16 + int(bytes.length - 16));
      }
      bytes.writeUInt32BE(bytes.length, 0);
      // Views of a larger buffer: a read past the PDU would see these guard octets.
      const framed = Buffer.concat([bytes, Buffer.from([1, 2, 3, 4])]).subarray(0, bytes.length);
      try {
        const pdu = decodePdu(framed);
        decoded++;
        // Whatever decodes encodes again to a PDU that decodes to the same thing.
        assert.deepEqual(decodePdu(encodePdu(pdu)), pdu);
      } catch (error) {
        if (!(error instanceof HermesError)) throw error;
        refused++;
      }
    }
    assert.ok(decoded > 100 && refused > 100, `decoded ${decoded}, refused ${refused}`);
  });
});

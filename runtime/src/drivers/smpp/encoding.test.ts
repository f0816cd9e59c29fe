import { describe, test } from "node:test";
import assert from "node:assert/strict";
import smpp from "smpp";
import { decodeGsm7, encodeGsm7, encodeGsm7Text, fitsGsm7 } from "./gsm7.js";
import {
  chooseAlphabet,
  decodeText,
  encodeText,
  splitUserData,
  type EncodingOptions,
} from "./sms-encoding.js";

const options: EncodingOptions = {
  alphabet: "gsm7",
  gsmDataCoding: 0,
  longMessage: "udh",
  udhReference: 8,
  maxParts: 255,
};
const ref = () => 0x1234;

/** Decodes a part the way an SMSC would: drop the UDH, then the alphabet. */
function partText(bytes: Buffer, alphabet: string, hasUdh: boolean): string {
  const body = hasUdh ? bytes.subarray(bytes[0]! + 1) : bytes;
  if (alphabet === "gsm7") return decodeGsm7(body);
  if (alphabet === "latin1") return body.toString("latin1");
  return Buffer.from(body).swap16().toString("utf16le");
}

describe("GSM 03.38", () => {
  test("basic characters are one septet, extension characters ESC + code", () => {
    assert.deepEqual([...encodeGsm7([..."@A£"])], [0x00, 0x41, 0x01]);
    assert.deepEqual(
      [...encodeGsm7([..."€[]{}"])],
      [0x1b, 0x65, 0x1b, 0x3c, 0x1b, 0x3e, 0x1b, 0x28, 0x1b, 0x29],
    );
    assert.equal(
      decodeGsm7(encodeGsm7([..."Hello {world} ~ €5 ^_^ |\\"])),
      "Hello {world} ~ €5 ^_^ |\\",
    );
    assert.equal(fitsGsm7("Ça coûte 5€"), false, "û is not in GSM 03.38");
    assert.ok(fitsGsm7("Äpfel für 5€ [ok]"));
  });

  test("the one-pass encoder agrees with the per-character one and refuses what is not GSM", () => {
    for (const text of [
      "",
      "plain ascii 123",
      "Grüße {ok} [x] ~ | \\ ^ € \f",
      "ΔΦΓΛΩΠΨΣΘΞ @£$¥ èéùìò",
      "@".repeat(200),
    ]) {
      assert.deepEqual(encodeGsm7Text(text), encodeGsm7([...text]), JSON.stringify(text));
    }
    for (const text of ["`backtick`", "ĉ", "😀", "日本", "\u0394\u0400"])
      assert.equal(encodeGsm7Text(text), undefined, text);
  });

  test("alphabet choice: GSM when it fits, else UCS2; latin1 when the carrier prefers it", () => {
    assert.equal(chooseAlphabet("hello {}", "gsm7"), "gsm7");
    assert.equal(chooseAlphabet("привет", "gsm7"), "ucs2");
    assert.equal(chooseAlphabet("ĉu", "gsm7"), "ucs2");
    assert.equal(chooseAlphabet("café", "latin1"), "latin1");
    assert.equal(chooseAlphabet("5€", "latin1"), "ucs2");
    assert.equal(chooseAlphabet("plain", "ucs2"), "ucs2");
  });

  test("data_coding: 0x00 for GSM by default (0x01 if the carrier says), 0x03 Latin-1, 0x08 UCS2", () => {
    assert.equal(encodeText("hi", options, ref).dataCoding, 0x00);
    assert.equal(encodeText("hi", { ...options, gsmDataCoding: 0x01 }, ref).dataCoding, 0x01);
    assert.equal(encodeText("café", { ...options, alphabet: "latin1" }, ref).dataCoding, 0x03);
    assert.equal(encodeText("日本", options, ref).dataCoding, 0x08);
    assert.deepEqual(
      [...encodeText("日本", options, ref).parts[0]!.shortMessage],
      [0x65, 0xe5, 0x67, 0x2c],
    );
  });
});

describe("splitting long messages", () => {
  test("160 GSM characters fit one SMS; 161 take two parts of at most 153 with an 8-bit UDH", () => {
    assert.equal(encodeText("a".repeat(160), options, ref).parts.length, 1);
    const { parts } = encodeText("a".repeat(161), options, ref);
    assert.equal(parts.length, 2);
    assert.deepEqual([...parts[0]!.shortMessage.subarray(0, 6)], [0x05, 0x00, 0x03, 0x34, 2, 1]);
    assert.deepEqual([...parts[1]!.shortMessage.subarray(0, 6)], [0x05, 0x00, 0x03, 0x34, 2, 2]);
    assert.equal(parts[0]!.shortMessage.length - 6, 153);
    assert.equal(parts[0]!.esmClass, 0x40);
  });

  test("16-bit references use IEI 0x08 and 152 septets per part", () => {
    const { parts } = encodeText("b".repeat(400), { ...options, udhReference: 16 }, ref);
    assert.equal(parts.length, 3);
    assert.deepEqual(
      [...parts[0]!.shortMessage.subarray(0, 7)],
      [0x06, 0x08, 0x04, 0x12, 0x34, 3, 1],
    );
    assert.equal(parts[0]!.shortMessage.length - 7, 152);
  });

  test("an escape pair is never split across parts", () => {
    const text = `${"a".repeat(152)}€${"t".repeat(10)}`;
    const { parts } = encodeText(text, options, ref);
    assert.equal(parts.length, 2);
    const first = parts[0]!.shortMessage.subarray(6);
    assert.equal(first.length, 152, "the € (2 septets) did not fit in the 153rd septet");
    assert.notEqual(first.at(-1), 0x1b);
    assert.equal(parts.map((p) => partText(p.shortMessage, "gsm7", true)).join(""), text);
  });

  test("UCS2: 70 characters fit one SMS, parts carry 67, a surrogate pair is never split", () => {
    assert.equal(encodeText("ж".repeat(70), options, ref).parts.length, 1);
    const text = `${"ж".repeat(66)}😀${"ж".repeat(10)}`;
    const { parts, alphabet } = encodeText(text, options, ref);
    assert.equal(alphabet, "ucs2");
    assert.equal(parts.length, 2);
    assert.equal(parts[0]!.shortMessage.length - 6, 66 * 2, "the emoji moved to the next part");
    assert.equal(parts.map((p) => partText(p.shortMessage, "ucs2", true)).join(""), text);
    const full = encodeText("ж".repeat(134), options, ref);
    assert.equal(full.parts.length, 2);
    assert.equal(full.parts[0]!.shortMessage.length - 6, 134);
  });

  test("SAR mode carries the reference and numbering in TLVs, no UDH", () => {
    const { parts } = encodeText("c".repeat(300), { ...options, longMessage: "sar" }, ref);
    assert.equal(parts.length, 2);
    assert.deepEqual(
      parts.map((p) => p.tlvs),
      [
        { sar_msg_ref_num: 0x34, sar_total_segments: 2, sar_segment_seqnum: 1 },
        { sar_msg_ref_num: 0x34, sar_total_segments: 2, sar_segment_seqnum: 2 },
      ],
    );
    assert.equal(parts[0]!.esmClass, 0);
    assert.equal(parts[0]!.shortMessage.length, 153);
  });

  test("payload mode sends one message_payload and an empty short_message", () => {
    const text = "d".repeat(1000);
    const { parts } = encodeText(text, { ...options, longMessage: "payload" }, ref);
    assert.equal(parts.length, 1);
    assert.equal(parts[0]!.shortMessage.length, 0);
    assert.equal(decodeGsm7(parts[0]!.tlvs.message_payload as Buffer), text);
  });

  test("more parts than the route allows is a permanent INVALID_ARGUMENT on content.text", () => {
    assert.throws(
      () => encodeText("e".repeat(2000), { ...options, maxParts: 3 }, ref),
      (error: { field: string; retryable: boolean }) => {
        assert.equal(error.field, "content.text");
        assert.equal(error.retryable, false);
        return true;
      },
    );
  });

  test("the parts survive the smpp codec byte for byte", () => {
    const { parts, dataCoding } = encodeText(`Grüße {ok} ${"z".repeat(200)}`, options, ref);
    for (const part of parts) {
      const pdu = new smpp.PDU("submit_sm", {
        destination_addr: "1",
        data_coding: dataCoding,
        esm_class: part.esmClass,
        short_message: part.shortMessage,
      });
      const raw = pdu.toBuffer();
      assert.ok(raw.includes(part.shortMessage), "short_message written as given");
    }
  });
});

describe("reading user data", () => {
  test("the UDH is split off only when esm_class says so, and never past the data", () => {
    const data = Buffer.from([5, 0x00, 3, 7, 2, 1, 0x48, 0x69]);
    assert.deepEqual(splitUserData(data, 0x40), {
      udh: data.subarray(0, 6),
      message: Buffer.from("Hi"),
    });
    assert.deepEqual(splitUserData(data, 0x00), { udh: undefined, message: data });
    assert.deepEqual(splitUserData(Buffer.from([9, 1, 2]), 0x40), {
      udh: Buffer.from([9, 1, 2]),
      message: Buffer.alloc(0),
    });
  });

  test("text by data_coding: GSM for 0 and 1, Latin-1, UCS2 (an odd octet dropped), octets otherwise", () => {
    assert.equal(decodeText(encodeGsm7([..."@£ {€}"]), 0x00), "@£ {€}");
    assert.equal(decodeText(encodeGsm7([..."@£"]), 0x01), "@£");
    assert.equal(decodeText(encodeGsm7([..."@£"]), 0xf0), "@£", "message class bits aside");
    assert.equal(decodeText(Buffer.from("café", "latin1"), 0x03), "café");
    const ucs2 = Buffer.from("日本😀", "utf16le").swap16();
    assert.equal(decodeText(ucs2, 0x08), "日本😀");
    assert.equal(decodeText(Buffer.concat([ucs2, Buffer.from([0x30])]), 0x08), "日本😀");
    assert.equal(decodeText(Buffer.from([0xe9, 0x41]), 0x04), "éA");
  });
});

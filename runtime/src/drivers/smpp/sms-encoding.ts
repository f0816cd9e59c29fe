import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import type { Tlvs } from "./pdu-fields.js";
import { decodeGsm7, encodeGsm7, encodeGsm7Text, fitsGsm7, gsmSeptets } from "./gsm7.js";

/** What a carrier is sent when the text allows it; anything else goes as UCS2. */
export type Alphabet = "gsm7" | "latin1" | "ucs2";
/** How a text longer than one SMS travels: UDH concatenation, SAR TLVs, or one message_payload. */
export type LongMessageMode = "udh" | "sar" | "payload";

export interface EncodingOptions {
  readonly alphabet: Alphabet;
  /**
   * data_coding for GSM 03.38 septets: 0x00 (SMSC default alphabet) unless the carrier wants 0x01.
   */
  readonly gsmDataCoding: number;
  readonly longMessage: LongMessageMode;
  readonly udhReference: 8 | 16;
  readonly maxParts: number;
}

/** One submit_sm's worth: the short_message bytes and what goes with them. */
export interface EncodedPart {
  readonly shortMessage: Buffer;
  /** 0x40 (UDHI) when shortMessage starts with a user data header. */
  readonly esmClass: number;
  /** SAR TLVs, or message_payload (then shortMessage is empty). */
  readonly tlvs: Pick<
    Tlvs,
    "message_payload" | "sar_msg_ref_num" | "sar_total_segments" | "sar_segment_seqnum"
  >;
}

export interface EncodedText {
  readonly alphabet: Alphabet;
  readonly dataCoding: number;
  readonly parts: readonly EncodedPart[];
}

const dataCodings = { latin1: 0x03, ucs2: 0x08 } as const;
const esmClassUdhi = 0x40;

// Units per SMS: GSM septets, Latin-1 octets, UTF-16 code units.
const singleCapacity: Record<Alphabet, number> = { gsm7: 160, latin1: 140, ucs2: 70 };
// A concatenated part loses the UDH: 6 octets (8-bit reference) or 7 (16-bit).
const partCapacity: Record<8 | 16, Record<Alphabet, number>> = {
  8: { gsm7: 153, latin1: 134, ucs2: 67 },
  16: { gsm7: 152, latin1: 133, ucs2: 66 },
};

/**
 * The alphabet a text goes in: the carrier's preferred one when every character fits, UCS2
 * otherwise.
 */
export function chooseAlphabet(text: string, preferred: Alphabet): Alphabet {
  if (preferred === "gsm7" && fitsGsm7(text)) return "gsm7";
  if (preferred === "latin1" && [...text].every((c) => c.codePointAt(0)! <= 0xff)) return "latin1";
  return "ucs2";
}

/** Units a character takes in an alphabet; a part boundary never falls inside one. */
function unitsOf(char: string, alphabet: Alphabet): number {
  if (alphabet === "gsm7") return gsmSeptets(char);
  if (alphabet === "ucs2") return char.length; // a surrogate pair is 2 code units
  return 1;
}

function encodeChars(chars: readonly string[], alphabet: Alphabet): Buffer {
  if (alphabet === "gsm7") return encodeGsm7(chars);
  if (alphabet === "latin1") return Buffer.from(chars.join(""), "latin1");
  return Buffer.from(chars.join(""), "utf16le").swap16();
}

/** Packs whole characters into chunks of at most `capacity` units. */
function splitChars(chars: readonly string[], alphabet: Alphabet, capacity: number): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let used = 0;
  for (const char of chars) {
    const units = unitsOf(char, alphabet);
    if (used + units > capacity) {
      chunks.push(chunk);
      chunk = [];
      used = 0;
    }
    chunk.push(char);
    used += units;
  }
  if (chunk.length > 0 || chunks.length === 0) chunks.push(chunk);
  return chunks;
}

function udh(reference: number, bits: 8 | 16, total: number, seq: number): Buffer {
  return bits === 8
    ? Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq])
    : Buffer.from([0x06, 0x08, 0x04, (reference >> 8) & 0xff, reference & 0xff, total, seq]);
}

/**
 * Encodes an SMS text for one carrier and splits it when it does not fit in
 * one message. `nextReference` gives the concatenation reference (the
 * carrier's counter). Throws INVALID_ARGUMENT when it needs more than
 * `maxParts` parts.
 */
export function encodeText(
  text: string,
  options: EncodingOptions,
  nextReference: () => number,
): EncodedText {
  if (options.alphabet === "gsm7") {
    // Most texts: GSM and short. One pass, no splitting.
    const septets = encodeGsm7Text(text);
    if (septets && septets.length <= singleCapacity.gsm7)
      return {
        alphabet: "gsm7",
        dataCoding: options.gsmDataCoding,
        parts: [{ shortMessage: septets, esmClass: 0, tlvs: {} }],
      };
  }
  const alphabet = chooseAlphabet(text, options.alphabet);
  const dataCoding = alphabet === "gsm7" ? options.gsmDataCoding : dataCodings[alphabet];
  const chars = [...text];
  const units = chars.reduce((sum, c) => sum + unitsOf(c, alphabet), 0);
  if (options.longMessage === "payload" && units > singleCapacity[alphabet]) {
    return {
      alphabet,
      dataCoding,
      parts: [
        {
          shortMessage: Buffer.alloc(0),
          esmClass: 0,
          tlvs: { message_payload: encodeChars(chars, alphabet) },
        },
      ],
    };
  }
  if (units <= singleCapacity[alphabet]) {
    return {
      alphabet,
      dataCoding,
      parts: [{ shortMessage: encodeChars(chars, alphabet), esmClass: 0, tlvs: {} }],
    };
  }
  const bits = options.longMessage === "udh" ? options.udhReference : 8;
  const chunks = splitChars(chars, alphabet, partCapacity[bits][alphabet]);
  const limit = Math.min(options.maxParts, 255);
  if (chunks.length > limit) {
    throw new HermesError(
      ErrorCode.INVALID_ARGUMENT,
      `the text needs ${chunks.length} SMS parts, more than this route's limit of ${limit}`,
      {
        field: "content.text",
        retryable: false,
      },
    );
  }
  const reference = nextReference() & (bits === 8 ? 0xff : 0xffff);
  const total = chunks.length;
  const parts = chunks.map((chunk, i): EncodedPart => {
    const body = encodeChars(chunk, alphabet);
    if (options.longMessage === "sar") {
      return {
        shortMessage: body,
        esmClass: 0,
        tlvs: { sar_msg_ref_num: reference, sar_total_segments: total, sar_segment_seqnum: i + 1 },
      };
    }
    return {
      shortMessage: Buffer.concat([udh(reference, bits, total, i + 1), body]),
      esmClass: esmClassUdhi,
      tlvs: {},
    };
  });
  return { alphabet, dataCoding, parts };
}

/**
 * User data as it came: the user data header (its length octet included) when esm_class says there
 * is one, and the message.
 */
export function splitUserData(
  bytes: Buffer,
  esmClass: number,
): { udh: Buffer | undefined; message: Buffer } {
  if ((esmClass & esmClassUdhi) === 0 || bytes.length === 0)
    return { udh: undefined, message: bytes };
  // A header longer than the data takes it all, as npm `smpp` read it.
  const end = Math.min(bytes.length, bytes[0]! + 1);
  return { udh: bytes.subarray(0, end), message: bytes.subarray(end) };
}

/**
 * The text of user data by its data_coding's low nibble: 0 and 1 as GSM
 * 03.38 (as npm `smpp` decoded IA5 too), 3 Latin-1, 8 UCS2; anything else
 * (binary, national codings) octet by octet as Latin-1.
 */
export function decodeText(bytes: Buffer, dataCoding: number): string {
  switch (dataCoding & 0x0f) {
    case 0x00:
    case 0x01:
      return decodeGsm7(bytes);
    case 0x08:
      // UTF-16BE; an odd last octet is no character.
      return Buffer.from(bytes.subarray(0, bytes.length & ~1))
        .swap16()
        .toString("utf16le");
    default:
      return bytes.toString("latin1");
  }
}

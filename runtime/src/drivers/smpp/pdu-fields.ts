import { ErrorCode, HermesError } from "../../errors/hermes-error.js";

/** A TLV this codec does not interpret: its tag and value bytes as they came. */
export interface RawTlv {
  readonly tag: number;
  readonly value: Buffer;
}

/**
 * The optional parameters the driver reads or writes, by their SMPP 3.4
 * names. Every other TLV is kept in `other_tlvs`, so nothing is lost and
 * it goes out again as it came.
 */
export interface Tlvs {
  readonly message_payload?: Buffer;
  readonly sar_msg_ref_num?: number;
  readonly sar_total_segments?: number;
  readonly sar_segment_seqnum?: number;
  readonly receipted_message_id?: string;
  readonly message_state?: number;
  readonly network_error_code?: Buffer;
  readonly other_tlvs?: readonly RawTlv[];
}

type KnownTlv = Exclude<keyof Tlvs, "other_tlvs">;
type TlvKind = "u8" | "u16" | "cstring" | "octets";

// SMPP 3.4 section 5.3.2.
const tags = {
  message_payload: 0x0424,
  sar_msg_ref_num: 0x020c,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  receipted_message_id: 0x001e,
  message_state: 0x0427,
  network_error_code: 0x0423,
} as const satisfies Record<KnownTlv, number>;
const kinds: Record<KnownTlv, TlvKind> = {
  message_payload: "octets",
  sar_msg_ref_num: "u16",
  sar_total_segments: "u8",
  sar_segment_seqnum: "u8",
  receipted_message_id: "cstring",
  message_state: "u8",
  network_error_code: "octets",
};
const knownByTag = new Map<number, { name: KnownTlv; kind: TlvKind }>(
  (Object.keys(tags) as KnownTlv[]).map((name) => [tags[name], { name, kind: kinds[name] }]),
);

export function codecError(command: string, reason: string): HermesError {
  return new HermesError(ErrorCode.INVALID_ARGUMENT, `${command}: ${reason}`);
}

/**
 * Reads one PDU body front to back. Every read checks the PDU's end first,
 * so a short or lying body throws (naming the command and field) instead of
 * reading past it or into the next PDU.
 */
export class PduReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    readonly command: string,
    pos: number,
  ) {
    this.pos = pos;
  }

  get left(): number {
    return this.buf.length - this.pos;
  }

  u8(field: string): number {
    if (this.pos >= this.buf.length) throw codecError(this.command, `${field} is missing`);
    return this.buf[this.pos++]!;
  }

  /**
   * A C-Octet String: octets up to a NUL, which must come before the PDU ends. Read as Latin-1, so
   * no octet is lost.
   */
  cstring(field: string): string {
    const buf = this.buf;
    const start = this.pos;
    let end = start;
    while (end < buf.length && buf[end] !== 0) end++;
    if (end === buf.length)
      throw codecError(
        this.command,
        start === end ? `${field} is missing` : `${field} has no NUL terminator`,
      );
    this.pos = end + 1;
    return end === start ? "" : buf.toString("latin1", start, end);
  }

  /** `length` octets, as a view of the input (no copy). */
  octets(field: string, length: number): Buffer {
    if (length > this.left)
      throw codecError(this.command, `${field} declares ${length} octets, ${this.left} left`);
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }

  /** TLVs to the end of the PDU. */
  tlvs(): Tlvs {
    const buf = this.buf;
    const found: { -readonly [K in keyof Tlvs]: Tlvs[K] } = {};
    let other: RawTlv[] | undefined;
    while (this.pos < buf.length) {
      const left = buf.length - this.pos;
      if (left < 4) throw codecError(this.command, `${left} octets left, too few for a TLV`);
      const tag = (buf[this.pos]! << 8) | buf[this.pos + 1]!;
      const length = (buf[this.pos + 2]! << 8) | buf[this.pos + 3]!;
      const start = this.pos + 4;
      if (length > buf.length - start)
        throw codecError(
          this.command,
          `TLV 0x${tag.toString(16).padStart(4, "0")} declares ${length} octets, ${buf.length - start} left`,
        );
      this.pos = start + length;
      const known = knownByTag.get(tag);
      if (known)
        (found as Record<string, unknown>)[known.name] = this.#tlvValue(known, start, length);
      else {
        other ??= [];
        other.push({ tag, value: buf.subarray(start, start + length) });
      }
    }
    if (other) found.other_tlvs = other;
    return found;
  }

  #tlvValue(
    tlv: { name: string; kind: TlvKind },
    start: number,
    length: number,
  ): number | string | Buffer {
    const buf = this.buf;
    switch (tlv.kind) {
      case "octets":
        return buf.subarray(start, start + length);
      case "cstring": {
        // Terminated within its own length; an SMSC that leaves the NUL out still means the octets
        // it sent.
        let end = start;
        while (end < start + length && buf[end] !== 0) end++;
        return end === start ? "" : buf.toString("latin1", start, end);
      }
      case "u8":
      case "u16": {
        const size = tlv.kind === "u8" ? 1 : 2;
        if (length !== size)
          throw codecError(this.command, `${tlv.name} is ${length} octets, expected ${size}`);
        return size === 1 ? buf[start]! : (buf[start]! << 8) | buf[start + 1]!;
      }
    }
  }
}

/** Octets a C-Octet String takes on the wire, NUL included. */
export function cstringSize(value: string): number {
  return value.length + 1;
}

/** Octets the TLVs take on the wire: a tag and a length (4 octets) and the value, each. */
export function tlvsSize(t: Tlvs): number {
  let size = 0;
  if (t.message_payload !== undefined) size += 4 + t.message_payload.length;
  if (t.sar_msg_ref_num !== undefined) size += 4 + 2;
  if (t.sar_total_segments !== undefined) size += 4 + 1;
  if (t.sar_segment_seqnum !== undefined) size += 4 + 1;
  if (t.receipted_message_id !== undefined) size += 4 + cstringSize(t.receipted_message_id);
  if (t.message_state !== undefined) size += 4 + 1;
  if (t.network_error_code !== undefined) size += 4 + t.network_error_code.length;
  if (t.other_tlvs !== undefined) for (const raw of t.other_tlvs) size += 4 + raw.value.length;
  return size;
}

/** Writes fields into a buffer sized beforehand; checks each value fits its field. */
export class PduWriter {
  pos: number;

  constructor(
    readonly buf: Buffer,
    readonly command: string,
    pos: number,
  ) {
    this.pos = pos;
  }

  u8(field: string, value: number): void {
    if ((value & 0xff) !== value)
      throw codecError(this.command, `${field} ${value} is not an octet`);
    this.buf[this.pos++] = value;
  }

  u16(field: string, value: number): void {
    if ((value & 0xffff) !== value)
      throw codecError(this.command, `${field} ${value} is not a 16-bit value`);
    this.buf.writeUInt16BE(value, this.pos);
    this.pos += 2;
  }

  /** One octet per character (Latin-1); a NUL or a character above U+00FF cannot be sent. */
  cstring(field: string, value: string): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code === 0 || code > 0xff)
        throw codecError(
          this.command,
          `${field} cannot carry U+${code.toString(16).padStart(4, "0")} in a C-Octet String`,
        );
      buf[pos++] = code;
    }
    buf[pos++] = 0;
    this.pos = pos;
  }

  octets(value: Uint8Array): void {
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** The TLVs in the order tlvsSize counts them, then other_tlvs in theirs. */
  tlvs(t: Tlvs): void {
    if (t.message_payload !== undefined) {
      this.#tlvHeader("message_payload", t.message_payload.length);
      this.octets(t.message_payload);
    }
    if (t.sar_msg_ref_num !== undefined) {
      this.#tlvHeader("sar_msg_ref_num", 2);
      this.u16("sar_msg_ref_num", t.sar_msg_ref_num);
    }
    if (t.sar_total_segments !== undefined) {
      this.#tlvHeader("sar_total_segments", 1);
      this.u8("sar_total_segments", t.sar_total_segments);
    }
    if (t.sar_segment_seqnum !== undefined) {
      this.#tlvHeader("sar_segment_seqnum", 1);
      this.u8("sar_segment_seqnum", t.sar_segment_seqnum);
    }
    if (t.receipted_message_id !== undefined) {
      this.#tlvHeader("receipted_message_id", cstringSize(t.receipted_message_id));
      this.cstring("receipted_message_id", t.receipted_message_id);
    }
    if (t.message_state !== undefined) {
      this.#tlvHeader("message_state", 1);
      this.u8("message_state", t.message_state);
    }
    if (t.network_error_code !== undefined) {
      this.#tlvHeader("network_error_code", t.network_error_code.length);
      this.octets(t.network_error_code);
    }
    for (const raw of t.other_tlvs ?? []) {
      this.u16("TLV tag", raw.tag);
      this.u16("TLV length", raw.value.length);
      this.octets(raw.value);
    }
  }

  #tlvHeader(name: KnownTlv, length: number): void {
    this.u16(name, tags[name]);
    this.u16(name, length);
  }
}

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

// SMPP 3.4 section 5.3.2. Encoded in this order, then other_tlvs in theirs.
const knownTlvs: ReadonlyArray<{ name: KnownTlv; tag: number; kind: TlvKind }> = [
  { name: "message_payload", tag: 0x0424, kind: "octets" },
  { name: "sar_msg_ref_num", tag: 0x020c, kind: "u16" },
  { name: "sar_total_segments", tag: 0x020e, kind: "u8" },
  { name: "sar_segment_seqnum", tag: 0x020f, kind: "u8" },
  { name: "receipted_message_id", tag: 0x001e, kind: "cstring" },
  { name: "message_state", tag: 0x0427, kind: "u8" },
  { name: "network_error_code", tag: 0x0423, kind: "octets" },
];
const knownByTag = new Map(knownTlvs.map((tlv) => [tlv.tag, tlv]));

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

  /** A C-Octet String: octets up to a NUL, which must come before the PDU ends. Read as Latin-1, so no octet is lost. */
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
        // Terminated within its own length; an SMSC that leaves the NUL out still means the octets it sent.
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

/** Octets the TLVs take on the wire. */
export function tlvsSize(tlvs: Tlvs): number {
  let size = 0;
  for (const tlv of knownTlvs) {
    const value = tlvs[tlv.name];
    if (value === undefined) continue;
    size +=
      4 + (tlv.kind === "u8" ? 1 : tlv.kind === "u16" ? 2 : (value as string | Buffer).length);
    if (tlv.kind === "cstring") size++;
  }
  for (const raw of tlvs.other_tlvs ?? []) size += 4 + raw.value.length;
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

  tlvs(tlvs: Tlvs): void {
    for (const tlv of knownTlvs) {
      const value = tlvs[tlv.name];
      if (value === undefined) continue;
      const name = tlv.name;
      this.u16(name, tlv.tag);
      if (tlv.kind === "u8" || tlv.kind === "u16") {
        this.u16(name, tlv.kind === "u8" ? 1 : 2);
        this[tlv.kind](name, value as number);
      } else if (tlv.kind === "cstring") {
        this.u16(name, cstringSize(value as string));
        this.cstring(name, value as string);
      } else {
        this.u16(name, (value as Buffer).length);
        this.octets(value as Buffer);
      }
    }
    for (const raw of tlvs.other_tlvs ?? []) {
      this.u16("TLV tag", raw.tag);
      this.u16("TLV length", raw.value.length);
      this.octets(raw.value);
    }
  }
}

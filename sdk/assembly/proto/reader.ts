// Protobuf binary reader over a region of linear memory. AssemblyScript has
// no exceptions, so a malformed input never traps: the first problem is
// recorded in `error`, the reader jumps to its limit, and every decode loop
// (which checks `more()`) stops. Callers check `error` once at the end.

export const enum WireType {
  VARINT = 0,
  FIXED64 = 1,
  LENGTH_DELIMITED = 2,
  START_GROUP = 3,
  END_GROUP = 4,
  FIXED32 = 5,
}

const EMPTY_BYTES = new Uint8Array(0);
/** Nesting deeper than this is refused, so hostile input cannot exhaust the stack. */
const MAX_DEPTH: i32 = 100;

export class Reader {
  /** Next byte to read. */
  pos: usize;
  /** End of the current length-delimited region (the whole input at top level). */
  end: usize;
  /** The first problem found, or null. */
  error: string | null = null;
  private depth: i32 = 0;
  // Keeps the memory read from alive while this reader exists.
  private source: ArrayBuffer | null;

  constructor(start: usize, length: i32, source: ArrayBuffer | null = null) {
    this.pos = start;
    this.end = start + <usize>length;
    this.source = source;
  }

  static of(data: Uint8Array): Reader {
    return new Reader(data.dataStart, data.length, data.buffer);
  }

  /** True while there is more to read in the current region and nothing went wrong. */
  @inline more(): bool {
    return this.pos < this.end && this.error === null;
  }

  fail(message: string): void {
    if (this.error === null) this.error = message;
    this.pos = this.end;
  }

  /** Fails unless `wireType` is `expected`; for decoders' field switches. */
  expect(field: u32, wireType: u32, expected: u32): bool {
    if (wireType == expected) return true;
    this.fail(
      "field " +
        field.toString() +
        ": wire type " +
        wireType.toString() +
        ", expected " +
        expected.toString(),
    );
    return false;
  }

  tag(): u32 {
    const tag = this.uint32();
    if (this.error === null && tag >>> 3 == 0) this.fail("invalid field number 0");
    return tag;
  }

  uint64(): u64 {
    let result: u64 = 0;
    let shift: u64 = 0;
    let p = this.pos;
    const end = this.end;
    while (p < end) {
      const b = <u64>load<u8>(p++);
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = p;
        return result;
      }
      shift += 7;
      if (shift >= 70) break;
    }
    this.fail(p < end || shift >= 70 ? "varint longer than 10 bytes" : "truncated varint");
    return 0;
  }

  /** A varint truncated to 32 bits (negative int32 values arrive as ten bytes). */
  uint32(): u32 {
    const p = this.pos;
    if (p < this.end) {
      const b = load<u8>(p);
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    return <u32>this.uint64();
  }

  int32(): i32 {
    return <i32>this.uint32();
  }

  int64(): i64 {
    return <i64>this.uint64();
  }

  sint32(): i32 {
    const n = this.uint32();
    return <i32>((n >>> 1) ^ -(n & 1));
  }

  sint64(): i64 {
    const n = this.uint64();
    return <i64>((n >>> 1) ^ -(n & 1));
  }

  bool(): bool {
    return this.uint64() != 0;
  }

  private take(size: usize): usize {
    const p = this.pos;
    if (this.end - p < size) {
      this.fail("truncated fixed-width value");
      return 0;
    }
    this.pos = p + size;
    return p;
  }

  fixed32(): u32 {
    const p = this.take(4);
    return p ? load<u32>(p) : 0;
  }

  sfixed32(): i32 {
    return <i32>this.fixed32();
  }

  float(): f32 {
    return reinterpret<f32>(this.fixed32());
  }

  fixed64(): u64 {
    const p = this.take(8);
    return p ? load<u64>(p) : 0;
  }

  sfixed64(): i64 {
    return <i64>this.fixed64();
  }

  double(): f64 {
    return reinterpret<f64>(this.fixed64());
  }

  /** Reads a length prefix and checks it against the current region; -1 on failure. */
  private delimited(): i32 {
    const length = this.uint64();
    if (this.error !== null) return -1;
    if (length > <u64>(this.end - this.pos)) {
      this.fail("length " + length.toString() + " past the end of the input");
      return -1;
    }
    return <i32>length;
  }

  /** A string field; invalid UTF-8 is an error, as protobuf requires (and protobuf-es enforces). */
  string(): string {
    const length = this.delimited();
    if (length <= 0) return "";
    const start = this.pos;
    if (!validUtf8(start, length)) {
      this.fail("invalid UTF-8 in a string field");
      return "";
    }
    this.pos = start + <usize>length;
    return String.UTF8.decodeUnsafe(start, length);
  }

  bytes(): Uint8Array {
    const length = this.delimited();
    if (length <= 0) return EMPTY_BYTES;
    const out = new Uint8Array(length);
    memory.copy(out.dataStart, this.pos, length);
    this.pos += <usize>length;
    return out;
  }

  /**
   * Enters a length-delimited body (a nested message, packed list or map
   * entry): the region shrinks to the body. Returns the outer end for `leave`.
   */
  enter(): usize {
    const outer = this.end;
    if (++this.depth > MAX_DEPTH) {
      this.fail("messages nested deeper than " + MAX_DEPTH.toString());
      return outer;
    }
    const length = this.delimited();
    if (length >= 0) this.end = this.pos + <usize>length;
    return outer;
  }

  /** Leaves the body entered by `enter` (always paired with it), restoring the outer region. */
  leave(outer: usize): void {
    this.depth--;
    this.end = outer;
    if (this.error !== null) this.pos = outer;
  }

  /** Skips a field of an unknown number. */
  skip(field: u32, wireType: u32): void {
    switch (wireType) {
      case WireType.VARINT:
        this.uint64();
        break;
      case WireType.FIXED64:
        this.take(8);
        break;
      case WireType.LENGTH_DELIMITED: {
        const length = this.delimited();
        if (length > 0) this.pos += <usize>length;
        break;
      }
      case WireType.FIXED32:
        this.take(4);
        break;
      case WireType.START_GROUP:
        this.skipGroup(field);
        break;
      default:
        this.fail("field " + field.toString() + ": invalid wire type " + wireType.toString());
    }
  }

  private skipGroup(field: u32): void {
    if (++this.depth > MAX_DEPTH) this.fail("groups nested deeper than " + MAX_DEPTH.toString());
    while (this.more()) {
      const tag = this.tag();
      if ((tag & 7) == WireType.END_GROUP) {
        if (tag >>> 3 != field) this.fail("mismatched end of group " + field.toString());
        this.depth--;
        return;
      }
      this.skip(tag >>> 3, tag & 7);
    }
    this.depth--;
    this.fail("unterminated group " + field.toString());
  }
}

/**
 * Whether `length` bytes at `start` are well-formed UTF-8 (RFC 3629: no overlongs, surrogates or
 * code points past U+10FFFF).
 */
function validUtf8(start: usize, length: i32): bool {
  let p = start;
  const end = start + <usize>length;
  while (p < end) {
    // ASCII runs, eight bytes at a time.
    while (p + 8 <= end && (load<u64>(p) & 0x8080808080808080) == 0) p += 8;
    if (p >= end) break;
    const b0 = <u32>load<u8>(p);
    if (b0 < 0x80) {
      p++;
      continue;
    }
    let extra: usize;
    let low: u32 = 0x80;
    let high: u32 = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) extra = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      extra = 2;
      if (b0 == 0xe0)
        low = 0xa0; // overlong
      else if (b0 == 0xed) high = 0x9f; // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      extra = 3;
      if (b0 == 0xf0)
        low = 0x90; // overlong
      else if (b0 == 0xf4) high = 0x8f; // past U+10FFFF
    } else return false;
    if (end - p <= extra) return false;
    const b1 = <u32>load<u8>(p + 1);
    if (b1 < low || b1 > high) return false;
    for (let i: usize = 2; i <= extra; i++) {
      const b = <u32>load<u8>(p + i);
      if (b < 0x80 || b > 0xbf) return false;
    }
    p += extra + 1;
  }
  return true;
}

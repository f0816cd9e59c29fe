// Protobuf binary writer: one growable buffer, nested messages written in
// place. A length-delimited field reserves one length byte (fork) and, when
// the body turns out longer than 127 bytes, shifts it right (join), so
// encoding is a single pass without a separate size computation.

const MIN_CAPACITY: i32 = 256;

export class Writer {
  private buffer: ArrayBuffer;
  private start: usize;
  private capacity: i32;
  /** Bytes written so far. */
  length: i32 = 0;

  constructor(capacity: i32 = MIN_CAPACITY) {
    const buffer = new ArrayBuffer(max(capacity, 16));
    this.buffer = buffer;
    this.capacity = buffer.byteLength;
    this.start = changetype<usize>(buffer);
  }

  /** Address of the first byte written, valid until the next write. */
  get dataStart(): usize {
    return this.start;
  }

  /** Forgets what was written, keeping the buffer (up to `keep` bytes of it). */
  reset(keep: i32 = 1 << 20): void {
    this.length = 0;
    if (this.capacity > keep) {
      this.capacity = MIN_CAPACITY;
      this.buffer = new ArrayBuffer(this.capacity);
      this.start = changetype<usize>(this.buffer);
    }
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    memory.copy(out.dataStart, this.start, this.length);
    return out;
  }

  @inline private ensure(extra: i32): void {
    if (this.length + extra > this.capacity) this.grow(extra);
  }

  private grow(extra: i32): void {
    let capacity = this.capacity << 1;
    while (capacity < this.length + extra) capacity <<= 1;
    const buffer = new ArrayBuffer(capacity);
    memory.copy(changetype<usize>(buffer), this.start, this.length);
    this.buffer = buffer;
    this.start = changetype<usize>(buffer);
    this.capacity = capacity;
  }

  tag(field: u32, wireType: u32): void {
    this.uint32((field << 3) | wireType);
  }

  uint32(value: u32): void {
    this.ensure(5);
    let p = this.start + <usize>this.length;
    while (value > 0x7f) {
      store<u8>(p++, <u8>(value & 0x7f) | 0x80);
      value >>>= 7;
    }
    store<u8>(p++, <u8>value);
    this.length = <i32>(p - this.start);
  }

  uint64(value: u64): void {
    this.ensure(10);
    let p = this.start + <usize>this.length;
    while (value > 0x7f) {
      store<u8>(p++, <u8>(value & 0x7f) | 0x80);
      value >>>= 7;
    }
    store<u8>(p++, <u8>value);
    this.length = <i32>(p - this.start);
  }

  /** Negative int32 values take ten bytes, as protobuf requires (sign-extended). */
  int32(value: i32): void {
    if (value < 0) this.uint64(<u64>(<i64>value));
    else this.uint32(<u32>value);
  }

  int64(value: i64): void {
    this.uint64(<u64>value);
  }

  sint32(value: i32): void {
    this.uint32(<u32>((value << 1) ^ (value >> 31)));
  }

  sint64(value: i64): void {
    this.uint64(<u64>((value << 1) ^ (value >> 63)));
  }

  bool(value: bool): void {
    this.ensure(1);
    store<u8>(this.start + <usize>this.length, value ? 1 : 0);
    this.length += 1;
  }

  fixed32(value: u32): void {
    this.ensure(4);
    store<u32>(this.start + <usize>this.length, value);
    this.length += 4;
  }

  sfixed32(value: i32): void {
    this.fixed32(<u32>value);
  }

  float(value: f32): void {
    this.fixed32(reinterpret<u32>(value));
  }

  fixed64(value: u64): void {
    this.ensure(8);
    store<u64>(this.start + <usize>this.length, value);
    this.length += 8;
  }

  sfixed64(value: i64): void {
    this.fixed64(<u64>value);
  }

  double(value: f64): void {
    this.fixed64(reinterpret<u64>(value));
  }

  /** UTF-8, unpaired surrogates replaced by U+FFFD (as TextEncoder does). */
  string(value: string): void {
    const chars = value.length;
    const bytes = String.UTF8.byteLength(value);
    this.uint32(<u32>bytes);
    this.ensure(bytes);
    String.UTF8.encodeUnsafe(
      changetype<usize>(value),
      chars,
      this.start + <usize>this.length,
      false,
      String.UTF8.ErrorMode.REPLACE,
    );
    this.length += bytes;
  }

  bytes(value: Uint8Array): void {
    this.uint32(<u32>value.length);
    this.raw(value.dataStart, value.length);
  }

  /** Copies `length` bytes from `source` as they are, without a length prefix. */
  raw(source: usize, length: i32): void {
    this.ensure(length);
    memory.copy(this.start + <usize>this.length, source, length);
    this.length += length;
  }

  /** Starts a length-delimited body; pass the result to `join`. */
  fork(): i32 {
    this.ensure(1);
    const at = this.length;
    this.length += 1;
    return at;
  }

  /** Ends the body started by `fork`, writing its length before it. */
  join(at: i32): void {
    const bodyStart = at + 1;
    const size = this.length - bodyStart;
    const width = varintSize(<u32>size);
    if (width > 1) {
      this.ensure(width - 1);
      memory.copy(this.start + <usize>(at + width), this.start + <usize>bodyStart, size);
      this.length += width - 1;
    }
    let p = this.start + <usize>at;
    let value = <u32>size;
    while (value > 0x7f) {
      store<u8>(p++, <u8>(value & 0x7f) | 0x80);
      value >>>= 7;
    }
    store<u8>(p, <u8>value);
  }
}

@inline function varintSize(value: u32): i32 {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

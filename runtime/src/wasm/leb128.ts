/**
 * Unsigned LEB128, the integer encoding of the WebAssembly binary format and
 * of wasmsign2's signature section. Writers always emit the shortest form;
 * readers accept at most 5 bytes (32-bit values), like wasmsign2's `get32`.
 */

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ByteReader {
  #offset: number;

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
    readonly end = bytes.length,
  ) {
    this.#offset = offset;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.end - this.#offset;
  }

  u8(what: string): number {
    if (this.#offset >= this.end) throw new RangeError(`unexpected end of data reading ${what}`);
    return this.bytes[this.#offset++];
  }

  u32(what: string): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.u8(what);
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        if (value > 0xffff_ffff) throw new RangeError(`${what} does not fit in 32 bits`);
        return value;
      }
    }
    throw new RangeError(`${what} is a LEB128 integer longer than 5 bytes`);
  }

  take(length: number, what: string): Uint8Array {
    if (length > this.remaining)
      throw new RangeError(`${what} claims ${length} bytes, only ${this.remaining} left`);
    const slice = this.bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return slice;
  }

  /** A length-prefixed byte string (wasmsign2's `get_slice`). */
  slice(what: string): Uint8Array {
    return this.take(this.u32(`length of ${what}`), what);
  }

  /** A length-prefixed UTF-8 string, as names are in the binary format; bad UTF-8 throws. */
  name(what: string): string {
    return utf8.decode(this.slice(what));
  }
}

export class ByteWriter {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  bytes(data: Uint8Array): this {
    this.#chunks.push(data);
    this.#length += data.length;
    return this;
  }

  u8(value: number): this {
    return this.bytes(Uint8Array.of(value));
  }

  u32(value: number): this {
    return this.bytes(encodeU32(value));
  }

  /** A length-prefixed byte string (wasmsign2's `put_slice`). */
  slice(data: Uint8Array): this {
    return this.u32(data.length).bytes(data);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

export function encodeU32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
    throw new RangeError(`${value} is not an unsigned 32-bit integer`);
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return Uint8Array.from(out);
}

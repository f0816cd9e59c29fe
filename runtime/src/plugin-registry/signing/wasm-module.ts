import { ByteReader, ByteWriter } from "./leb128.js";
import { SignatureError } from "./signature-error.js";

/** "\0asm" version 1: a core module. */
const moduleHeader = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
/** "\0asm" layer 1: a component, which wasmsign2 signs the same way. */
const componentHeader = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00);
export const headerLength = 8;

export const customSectionId = 0;

/** One section of a module, as it appears on the wire. */
export interface WasmSection {
  readonly id: number;
  /** The custom section's name; undefined for standard sections. */
  readonly name?: string;
  /** For custom sections, the data after the name. */
  readonly payload: Uint8Array;
  /** Where the encoded section (id byte included) starts and ends in the module. */
  readonly start: number;
  readonly end: number;
}

export interface ParsedModule {
  readonly header: Uint8Array;
  readonly sections: readonly WasmSection[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/**
 * Splits a module into its sections without validating their contents (that
 * is the engine's job): enough to sign, verify and read custom sections.
 */
export function parseModule(wasm: Uint8Array): ParsedModule {
  if (wasm.length < headerLength) throw new SignatureError("malformed", `not a WebAssembly module: ${wasm.length} bytes, shorter than the 8-byte header`);
  const header = wasm.subarray(0, headerLength);
  if (!sameBytes(header, moduleHeader) && !sameBytes(header, componentHeader)) {
    throw new SignatureError("malformed", "not a WebAssembly module: the file does not start with the \\0asm magic and version 1");
  }
  const reader = new ByteReader(wasm, headerLength);
  const sections: WasmSection[] = [];
  try {
    while (reader.remaining > 0) {
      const start = reader.offset;
      const id = reader.u8("section id");
      // wasmsign2 reads the id as a one-byte varint: ids above 0x7f are not sections.
      if (id > 0x7f) throw new RangeError(`section id 0x${id.toString(16)} is not valid`);
      const body = reader.slice(`section ${sections.length}`);
      if (id === customSectionId) {
        const inner = new ByteReader(body);
        const name = utf8.decode(inner.slice("custom section name"));
        sections.push({ id, name, payload: body.subarray(inner.offset), start, end: reader.offset });
      } else {
        sections.push({ id, payload: body, start, end: reader.offset });
      }
    }
  } catch (reason) {
    throw new SignatureError("malformed", `not a well-formed WebAssembly module: ${(reason as Error).message}`, { cause: reason });
  }
  return { header, sections };
}

/**
 * A section in canonical form: id, shortest-LEB128 size, and for custom
 * sections shortest-LEB128 name length, name, data. wasmsign2 re-encodes
 * sections this way when it signs, so hashes agree on modules whose
 * producer padded its LEB128 sizes. Returned as chunks (a small prefix, then
 * the payload itself) so multi-megabyte sections are hashed and copied once.
 */
export function encodeSection(section: Pick<WasmSection, "id" | "name" | "payload">): Uint8Array[] {
  const name = section.id === customSectionId ? new ByteWriter().slice(utf8Encoder.encode(section.name ?? "")).finish() : new Uint8Array(0);
  const prefix = new ByteWriter().u8(section.id).u32(name.length + section.payload.length).bytes(name).finish();
  return [prefix, section.payload];
}

/** The data of every custom section with this name, in module order. */
export function customSections(wasm: Uint8Array, name: string): Uint8Array[] {
  return parseModule(wasm).sections.filter((s) => s.id === customSectionId && s.name === name).map((s) => s.payload);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

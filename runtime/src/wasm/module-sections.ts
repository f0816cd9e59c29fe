import { ByteReader, ByteWriter } from "./leb128.js";

/**
 * The section layer of the WebAssembly binary format, shared by the plugin
 * host (manifest lookup, memory bounding) and the registry's signer. Each
 * caller checks the 8-byte header by its own policy and turns the
 * RangeError/TypeError thrown here into its own error type.
 */

export const headerLength = 8;
export const customSectionId = 0;

/** One section of a module, as it appears on the wire. */
export interface WasmSection {
  readonly id: number;
  /** The custom section's name; undefined for standard sections. */
  readonly name?: string;
  /** The section's contents; for custom sections, the data after the name. */
  readonly payload: Uint8Array;
  /** Where the encoded section (id byte included) starts and ends in the module. */
  readonly start: number;
  readonly end: number;
}

/**
 * Splits the bytes after the header into sections without validating their
 * contents (that is the engine's job). Throws RangeError on a truncated
 * section and TypeError on a custom section name that is not UTF-8.
 */
export function splitSections(wasm: Uint8Array): WasmSection[] {
  const reader = new ByteReader(wasm, headerLength);
  const sections: WasmSection[] = [];
  while (reader.remaining > 0) {
    const start = reader.offset;
    const id = reader.u8("section id");
    const size = reader.u32(`size of section ${sections.length}`);
    if (size > reader.remaining) {
      throw new RangeError(
        `section ${id} at byte ${start} runs past the end of the module (truncated or tampered): claims ${size} bytes, only ${reader.remaining} left`,
      );
    }
    const body = reader.take(size, `section ${sections.length}`);
    if (id === customSectionId) {
      const inner = new ByteReader(body);
      const name = inner.name("custom section name");
      sections.push({ id, name, payload: body.subarray(inner.offset), start, end: reader.offset });
    } else {
      sections.push({ id, payload: body, start, end: reader.offset });
    }
  }
  return sections;
}

/** The data of every custom section with this name, in module order. */
export function customSectionsNamed(sections: readonly WasmSection[], name: string): Uint8Array[] {
  return sections.filter((s) => s.id === customSectionId && s.name === name).map((s) => s.payload);
}

/**
 * A section in canonical form: id, shortest-LEB128 size, and for custom
 * sections shortest-LEB128 name length, name, data. wasmsign2 re-encodes
 * sections this way when it signs, so hashes agree on modules whose
 * producer padded its LEB128 sizes. Returned as chunks (a small prefix, then
 * the payload itself) so multi-megabyte sections are hashed and copied once.
 */
export function encodeSection(section: Pick<WasmSection, "id" | "name" | "payload">): Uint8Array[] {
  const name =
    section.id === customSectionId
      ? new ByteWriter().slice(utf8Encoder.encode(section.name ?? "")).finish()
      : new Uint8Array(0);
  const prefix = new ByteWriter()
    .u8(section.id)
    .u32(name.length + section.payload.length)
    .bytes(name)
    .finish();
  return [prefix, section.payload];
}

const utf8Encoder = new TextEncoder();

// Custom sections of a WebAssembly module: read them by name, or replace one.
// Just enough of the binary format for the manifest (docs/plugin-abi.md).

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const customSectionId = 0;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

interface Section {
  id: number;
  /** Offset of the id byte. */
  start: number;
  /** Offset of the payload. */
  payload: number;
  end: number;
}

function readU32(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= bytes.length) throw new Error("not a WebAssembly module: truncated LEB128");
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
  }
  throw new Error("not a WebAssembly module: LEB128 too long");
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

function* sections(wasm: Uint8Array): Generator<Section> {
  if (wasm.length < 8 || header.some((b, i) => wasm[i] !== b)) throw new Error("not a WebAssembly module: bad header");
  let at = 8;
  while (at < wasm.length) {
    const start = at;
    const id = wasm[at++];
    const [size, payload] = readU32(wasm, at);
    const end = payload + size;
    if (end > wasm.length) throw new Error(`not a WebAssembly module: section ${id} runs past the end`);
    yield { id, start, payload, end };
    at = end;
  }
}

function customName(wasm: Uint8Array, section: Section): [name: string, dataStart: number] {
  const [length, at] = readU32(wasm, section.payload);
  if (at + length > section.end) throw new Error("not a WebAssembly module: custom section name runs past its section");
  return [utf8Decoder.decode(wasm.subarray(at, at + length)), at + length];
}

/** The payloads of the custom sections called `name`, in order. */
export function readCustomSections(wasm: Uint8Array, name: string): Uint8Array[] {
  const found: Uint8Array[] = [];
  for (const section of sections(wasm)) {
    if (section.id !== customSectionId) continue;
    const [sectionName, dataStart] = customName(wasm, section);
    if (sectionName === name) found.push(wasm.subarray(dataStart, section.end));
  }
  return found;
}

/** A copy of `wasm` whose only custom section called `name` holds `payload`, appended at the end. */
export function withCustomSection(wasm: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [wasm.subarray(0, 8)];
  for (const section of sections(wasm)) {
    if (section.id === customSectionId && customName(wasm, section)[0] === name) continue;
    kept.push(wasm.subarray(section.start, section.end));
  }
  const nameBytes = utf8.encode(name);
  const body = [...writeU32(nameBytes.length), ...nameBytes];
  kept.push(Uint8Array.from([customSectionId, ...writeU32(body.length + payload.length), ...body]), payload);
  const out = new Uint8Array(kept.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of kept) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

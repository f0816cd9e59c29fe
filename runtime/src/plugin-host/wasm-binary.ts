/**
 * A minimal reader and rewriter of the WebAssembly binary format: just what
 * the host needs before the engine compiles a plugin. It finds custom
 * sections (the manifest) without running code, and bounds the module's own
 * linear memory, because Extism's `memory.maxPages` only limits Extism's
 * buffers, not the guest's memory.
 */

const magic = [0x00, 0x61, 0x73, 0x6d];
const version1 = [0x01, 0x00, 0x00, 0x00];
const sectionCustom = 0;
const sectionImport = 2;
const sectionMemory = 5;
const importKindMemory = 2;

/** Why bytes are not a module the host accepts; the loader turns it into PLUGIN_REJECTED. */
export class WasmFormatError extends Error {
  override readonly name = "WasmFormatError";
}

interface Section {
  readonly id: number;
  /** Offset of the section id byte. */
  readonly start: number;
  /** Offset of the payload (after id and size). */
  readonly payloadStart: number;
  readonly end: number;
}

/** The custom sections called `name`, in order (payload after the name). */
export function customSections(bytes: Uint8Array, name: string): Uint8Array[] {
  const found: Uint8Array[] = [];
  for (const section of sections(bytes)) {
    if (section.id !== sectionCustom) continue;
    const reader = new Reader(bytes, section.payloadStart, section.end);
    if (reader.name() === name) found.push(bytes.subarray(reader.offset, section.end));
  }
  return found;
}

/** The memories a module defines, as declared: initial and optional maximum, in 64 KiB pages. */
export interface MemoryLimits {
  readonly min: number;
  readonly max?: number;
}

/**
 * Returns a copy of the module whose every defined memory has a maximum of
 * at most `maxPages`, so `memory.grow` past the ceiling fails inside the
 * guest (AssemblyScript traps) and never reaches the host. Rejects modules
 * that import a memory, share one, use 64-bit memories, or whose initial
 * size is already above the ceiling.
 */
export function boundMemory(bytes: Uint8Array, maxPages: number): { bytes: Uint8Array; memories: MemoryLimits[] } {
  const all = sections(bytes);
  for (const section of all) if (section.id === sectionImport) rejectImportedMemory(bytes, section);
  const memory = all.find((s) => s.id === sectionMemory);
  if (!memory) return { bytes, memories: [] };

  const reader = new Reader(bytes, memory.payloadStart, memory.end);
  const count = reader.u32();
  const memories: MemoryLimits[] = [];
  const payload: number[] = [...leb(count)];
  for (let i = 0; i < count; i++) {
    const flags = reader.byte();
    if (flags > 1) throw new WasmFormatError(`memory ${i} is shared or 64-bit (limits flag ${flags}); plugins get one private 32-bit memory`);
    const min = reader.u32();
    const max = flags === 1 ? reader.u32() : undefined;
    memories.push(max === undefined ? { min } : { min, max });
    if (min > maxPages) throw new WasmFormatError(`memory ${i} starts at ${min} pages, above the ceiling of ${maxPages} pages`);
    payload.push(0x01, ...leb(min), ...leb(Math.min(max ?? maxPages, maxPages)));
  }
  if (reader.offset !== memory.end) throw new WasmFormatError("memory section has trailing bytes");

  const section = [sectionMemory, ...leb(payload.length), ...payload];
  const out = new Uint8Array(bytes.length - (memory.end - memory.start) + section.length);
  out.set(bytes.subarray(0, memory.start), 0);
  out.set(section, memory.start);
  out.set(bytes.subarray(memory.end), memory.start + section.length);
  return { bytes: out, memories };
}

function rejectImportedMemory(bytes: Uint8Array, section: Section): void {
  const reader = new Reader(bytes, section.payloadStart, section.end);
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    const module = reader.name();
    const field = reader.name();
    const kind = reader.byte();
    if (kind === importKindMemory) throw new WasmFormatError(`imports memory "${module}"."${field}"; a plugin must define and export its own memory`);
    skipImportDescriptor(reader, kind);
  }
}

function skipImportDescriptor(reader: Reader, kind: number): void {
  switch (kind) {
    case 0: // function: type index
      reader.u32();
      return;
    case 1: {
      // table: reftype, limits
      reader.byte();
      const flags = reader.byte();
      reader.u32();
      if (flags & 1) reader.u32();
      return;
    }
    case 3: // global: valtype, mutability
      reader.byte();
      reader.byte();
      return;
    case 4: // tag: attribute, type index
      reader.byte();
      reader.u32();
      return;
    default:
      throw new WasmFormatError(`unknown import kind ${kind}`);
  }
}

function sections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) throw new WasmFormatError("not a WebAssembly module (bad magic number)");
  if (version1.some((b, i) => bytes[4 + i] !== b)) throw new WasmFormatError("unsupported WebAssembly binary version");
  const found: Section[] = [];
  const reader = new Reader(bytes, 8, bytes.length);
  while (reader.offset < bytes.length) {
    const start = reader.offset;
    const id = reader.byte();
    const size = reader.u32();
    const payloadStart = reader.offset;
    const end = payloadStart + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} at byte ${start} runs past the end of the module (truncated or tampered)`);
    found.push({ id, start, payloadStart, end });
    reader.offset = end;
  }
  return found;
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public offset: number,
    readonly end: number,
  ) {}

  byte(): number {
    if (this.offset >= this.end) throw new WasmFormatError("unexpected end of section");
    return this.bytes[this.offset++]!;
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new WasmFormatError("LEB128 value exceeds 32 bits");
        return result;
      }
    }
    throw new WasmFormatError("LEB128 value too long");
  }

  name(): string {
    const length = this.u32();
    if (this.offset + length > this.end) throw new WasmFormatError("name runs past the end of its section");
    const text = new TextDecoder("utf-8", { fatal: true }).decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return text;
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

/** Appends a custom section (used by build tools and tests to embed the manifest). */
export function appendCustomSection(bytes: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const body = [...leb(nameBytes.length), ...nameBytes];
  const size = body.length + payload.length;
  const header = [sectionCustom, ...leb(size), ...body];
  const out = new Uint8Array(bytes.length + header.length + payload.length);
  out.set(bytes, 0);
  out.set(header, bytes.length);
  out.set(payload, bytes.length + header.length);
  return out;
}

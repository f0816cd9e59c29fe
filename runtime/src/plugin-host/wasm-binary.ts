/**
 * A minimal reader and rewriter of the WebAssembly binary format: just what
 * the host needs before the engine compiles a plugin. It finds custom
 * sections (the manifest) without running code, and bounds the module's own
 * linear memory, because Extism's `memory.maxPages` only limits Extism's
 * buffers, not the guest's memory.
 */

import { ByteReader, ByteWriter } from "../wasm/leb128.js";
import {
  customSectionId,
  customSectionsNamed,
  encodeSection,
  splitSections,
  type WasmSection,
} from "../wasm/module-sections.js";

const magic = [0x00, 0x61, 0x73, 0x6d];
const version1 = [0x01, 0x00, 0x00, 0x00];
const sectionImport = 2;
const sectionMemory = 5;
const importKindMemory = 2;

/** Why bytes are not a module the host accepts; the loader turns it into PLUGIN_REJECTED. */
export class WasmFormatError extends Error {
  override readonly name = "WasmFormatError";
}

/** The custom sections called `name`, in order (payload after the name). */
export function customSections(bytes: Uint8Array, name: string): Uint8Array[] {
  return customSectionsNamed(sections(bytes), name);
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
export function boundMemory(
  bytes: Uint8Array,
  maxPages: number,
): { bytes: Uint8Array; memories: MemoryLimits[] } {
  const all = sections(bytes);
  for (const section of all)
    if (section.id === sectionImport) structural(() => rejectImportedMemory(section));
  const memory = all.find((s) => s.id === sectionMemory);
  if (!memory) return { bytes, memories: [] };
  const { payload, memories } = structural(() => boundedMemorySection(memory, maxPages));

  const out = concat([
    bytes.subarray(0, memory.start),
    ...encodeSection({ id: sectionMemory, payload }),
    bytes.subarray(memory.end),
  ]);
  return { bytes: out, memories };
}

function boundedMemorySection(
  memory: WasmSection,
  maxPages: number,
): { payload: Uint8Array; memories: MemoryLimits[] } {
  const reader = new ByteReader(memory.payload);
  const count = reader.u32("memory count");
  const memories: MemoryLimits[] = [];
  const payload = new ByteWriter().u32(count);
  for (let i = 0; i < count; i++) {
    const flags = reader.u8("memory limits flag");
    if (flags > 1)
      throw new WasmFormatError(
        `memory ${i} is shared or 64-bit (limits flag ${flags}); plugins get one private 32-bit memory`,
      );
    const min = reader.u32("memory minimum");
    const max = flags === 1 ? reader.u32("memory maximum") : undefined;
    memories.push(max === undefined ? { min } : { min, max });
    if (min > maxPages)
      throw new WasmFormatError(
        `memory ${i} starts at ${min} pages, above the ceiling of ${maxPages} pages`,
      );
    payload
      .u8(0x01)
      .u32(min)
      .u32(Math.min(max ?? maxPages, maxPages));
  }
  if (reader.remaining !== 0) throw new WasmFormatError("memory section has trailing bytes");
  return { payload: payload.finish(), memories };
}

function rejectImportedMemory(section: WasmSection): void {
  const reader = new ByteReader(section.payload);
  const count = reader.u32("import count");
  for (let i = 0; i < count; i++) {
    const module = reader.name("import module name");
    const field = reader.name("import field name");
    const kind = reader.u8("import kind");
    if (kind === importKindMemory)
      throw new WasmFormatError(
        `imports memory "${module}"."${field}"; a plugin must define and export its own memory`,
      );
    skipImportDescriptor(reader, kind);
  }
}

function skipImportDescriptor(reader: ByteReader, kind: number): void {
  switch (kind) {
    case 0: // function: type index
      reader.u32("function type index");
      return;
    case 1: {
      // table: reftype, limits
      reader.u8("table element type");
      const flags = reader.u8("table limits flag");
      reader.u32("table minimum");
      if (flags & 1) reader.u32("table maximum");
      return;
    }
    case 3: // global: valtype, mutability
      reader.u8("global type");
      reader.u8("global mutability");
      return;
    case 4: // tag: attribute, type index
      reader.u8("tag attribute");
      reader.u32("tag type index");
      return;
    default:
      throw new WasmFormatError(`unknown import kind ${kind}`);
  }
}

function sections(bytes: Uint8Array): WasmSection[] {
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b))
    throw new WasmFormatError("not a WebAssembly module (bad magic number)");
  if (version1.some((b, i) => bytes[4 + i] !== b))
    throw new WasmFormatError("unsupported WebAssembly binary version");
  return structural(() => splitSections(bytes));
}

/**
 * The shared reader throws RangeError (truncated) or TypeError (bad UTF-8): the host reports both
 * as a format error.
 */
function structural<T>(run: () => T): T {
  try {
    return run();
  } catch (reason) {
    if (reason instanceof RangeError || reason instanceof TypeError)
      throw new WasmFormatError(reason.message, { cause: reason });
    throw reason;
  }
}

/** Appends a custom section (used by build tools and tests to embed the manifest). */
export function appendCustomSection(
  bytes: Uint8Array,
  name: string,
  payload: Uint8Array,
): Uint8Array {
  return concat([bytes, ...encodeSection({ id: customSectionId, name, payload })]);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  return chunks.reduce((writer, chunk) => writer.bytes(chunk), new ByteWriter()).finish();
}

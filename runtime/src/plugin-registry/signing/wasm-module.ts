import { headerLength, splitSections, type WasmSection } from "../../wasm/module-sections.js";
import { SignatureError } from "./signature-error.js";

/** "\0asm" version 1: a core module. */
const moduleHeader = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
/** "\0asm" layer 1: a component, which wasmsign2 signs the same way. */
const componentHeader = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00);

export interface ParsedModule {
  readonly header: Uint8Array;
  readonly sections: readonly WasmSection[];
}

/**
 * Splits a module (or component) into its sections without validating their
 * contents (that is the engine's job): enough to sign, verify and read
 * custom sections. Every problem is a "malformed" SignatureError.
 */
export function parseModule(wasm: Uint8Array): ParsedModule {
  if (wasm.length < headerLength)
    throw new SignatureError(
      "malformed",
      `not a WebAssembly module: ${wasm.length} bytes, shorter than the 8-byte header`,
    );
  const header = wasm.subarray(0, headerLength);
  if (!sameBytes(header, moduleHeader) && !sameBytes(header, componentHeader)) {
    throw new SignatureError(
      "malformed",
      "not a WebAssembly module: the file does not start with the \\0asm magic and version 1",
    );
  }
  try {
    const sections = splitSections(wasm);
    // wasmsign2 reads the id as a one-byte varint: ids above 0x7f are not sections.
    const invalid = sections.find((s) => s.id > 0x7f);
    if (invalid) throw new RangeError(`section id 0x${invalid.id.toString(16)} is not valid`);
    return { header, sections };
  } catch (reason) {
    throw new SignatureError(
      "malformed",
      `not a well-formed WebAssembly module: ${(reason as Error).message}`,
      { cause: reason },
    );
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { wasm } from "@hermes/runtime/plugin-host";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";

/** A .wasm file as read from disk, checked to be a WebAssembly module. */
export function readWasm(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  if (
    bytes.length < 8 ||
    bytes[0] !== 0x00 ||
    bytes[1] !== 0x61 ||
    bytes[2] !== 0x73 ||
    bytes[3] !== 0x6d
  ) {
    throw new Failure(ExitCode.Usage, `${path} is not a WebAssembly module (no \\0asm header)`, {
      reason: "not_wasm",
      hints: ["build one with `hermes plugin build`"],
    });
  }
  return bytes;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** What the module exports and imports, read by compiling it (nothing runs). */
export async function moduleInterface(
  bytes: Uint8Array,
): Promise<{ exports: string[]; imports: string[] }> {
  const module = await wasm.compile(bytes);
  return {
    exports: wasm.Module.exports(module).map((e) => `${e.name} (${e.kind})`),
    imports: wasm.Module.imports(module).map((i) => `${i.module}.${i.name}`),
  };
}

// The fast I/O half of the Hermes plugin ABI (docs/plugin-abi.md): the host
// copies the whole input into guest memory in one call and takes the whole
// output in one call, instead of Extism's byte-at-a-time kernel memory.
import { Reader, Writer } from "../proto";

@external("extism:host/user", "hermes_input_length")
declare function hermes_input_length(): i32;

@external("extism:host/user", "hermes_input_read")
declare function hermes_input_read(dst: usize): void;

@external("extism:host/user", "hermes_output_write")
declare function hermes_output_write(src: usize, len: i32): void;

/** This call's input as bytes (for exports that take raw input rather than a message). */
export function inputBytes(): Uint8Array {
  const length = hermes_input_length();
  const bytes = new Uint8Array(length);
  if (length > 0) hermes_input_read(bytes.dataStart);
  return bytes;
}

/** A reader over this call's input. */
export function readInput(): Reader {
  return Reader.of(inputBytes());
}

/** Hands `bytes` to the host as this call's output. */
export function outputBytes(bytes: Uint8Array): void {
  hermes_output_write(bytes.dataStart, bytes.length);
}

/** Hands the bytes written to `w` to the host as this call's output. */
export function writeOutput(w: Writer): void {
  hermes_output_write(w.dataStart, w.length);
}

/**
 * Ends a call with `code`. Every object of the call is garbage once its output
 * is written: collecting here keeps memory flat across calls (the minimal
 * runtime collects only when asked, so a call itself never pauses for GC).
 */
export function endCall(code: i32): i32 {
  __collect();
  return code;
}

/**
 * Writes `text` (UTF-8) as this call's output: the error text of a call that returns 1 or traps.
 */
export function writeError(text: string): void {
  const bytes = String.UTF8.encode(text, false, String.UTF8.ErrorMode.REPLACE);
  hermes_output_write(changetype<usize>(bytes), bytes.byteLength);
}

/**
 * The abort handler every SDK plugin is built with (`--use abort=…`): a
 * `throw`, failed assertion or out-of-bounds access writes its message as the
 * call's output, then traps (AssemblyScript cannot unwind), so the host can
 * report the text with the trap.
 */
export function hermesAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = message !== null ? message : "abort";
  if (fileName !== null) text += " (" + fileName + ":" + line.toString() + ":" + column.toString() + ")";
  writeError(text);
  unreachable();
}

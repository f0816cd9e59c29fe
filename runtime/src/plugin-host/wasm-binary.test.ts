import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appendCustomSection,
  boundMemory,
  customSections,
  WasmFormatError,
} from "./wasm-binary.js";

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const name = (s: string) => [s.length, ...new TextEncoder().encode(s)];
/** (memory (export "memory") min max?) */
const moduleWithMemory = (min: number, max?: number) =>
  new Uint8Array([
    ...header,
    ...(max === undefined ? [5, 3, 1, 0, min] : [5, 4, 1, 1, min, max]),
    ...[7, 10, 1, ...name("memory"), 2, 0],
  ]);

interface Memory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WebAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(b: Uint8Array): Promise<{ instance: { exports: { memory: Memory } } }>;
    };
  }
).WebAssembly;

test("boundMemory gives an unbounded memory the ceiling as its maximum: growing past it fails", async () => {
  const { bytes, memories } = boundMemory(moduleWithMemory(1), 4);
  assert.deepEqual(memories, [{ min: 1 }]);
  const { memory } = (await WebAssembly.instantiate(bytes)).instance.exports;
  assert.equal(memory.grow(3), 1);
  assert.throws(() => memory.grow(1), RangeError);
  assert.equal(memory.buffer.byteLength, 4 * 65536);
});

test("boundMemory keeps a smaller declared maximum and lowers a larger one", async () => {
  const small = (await WebAssembly.instantiate(boundMemory(moduleWithMemory(1, 2), 4).bytes))
    .instance.exports.memory;
  assert.throws(() => small.grow(2), RangeError);
  const large = (await WebAssembly.instantiate(boundMemory(moduleWithMemory(1, 100), 4).bytes))
    .instance.exports.memory;
  assert.throws(() => large.grow(4), RangeError);
});

test("boundMemory rejects a memory that starts above the ceiling, shared memories and imported memories", () => {
  assert.throws(
    () => boundMemory(moduleWithMemory(8), 4),
    /starts at 8 pages, above the ceiling of 4/,
  );
  const shared = new Uint8Array([...header, 5, 4, 1, 3, 1, 2]);
  assert.throws(() => boundMemory(shared, 4), /shared or 64-bit/);
  const imported = new Uint8Array([
    ...header,
    2,
    15,
    1,
    ...name("env"),
    ...name("memory"),
    2,
    0,
    1,
  ]);
  assert.throws(() => boundMemory(imported, 4), /imports memory "env"\."memory"/);
});

test("custom sections are found without compiling; truncated modules are refused", () => {
  const withSection = appendCustomSection(
    moduleWithMemory(1),
    "hermes.manifest",
    new Uint8Array([1, 2, 3]),
  );
  assert.deepEqual([...customSections(withSection, "hermes.manifest")[0]!], [1, 2, 3]);
  assert.deepEqual(customSections(withSection, "other"), []);
  assert.throws(
    () => customSections(withSection.subarray(0, withSection.length - 2), "hermes.manifest"),
    WasmFormatError,
  );
  assert.throws(() => customSections(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), "x"), /bad magic/);
});

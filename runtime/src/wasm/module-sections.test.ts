import { test } from "node:test";
import assert from "node:assert/strict";
import { customSectionsNamed, encodeSection, splitSections } from "./module-sections.js";

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const joined = (chunks: Uint8Array[]) => Uint8Array.from(chunks.flatMap((c) => [...c]));

test("sections split and re-encode to the same bytes when their sizes are in shortest form", () => {
  const custom = joined(
    encodeSection({ id: 0, name: "hermes.manifest", payload: Uint8Array.of(1, 2, 3) }),
  );
  const memory = joined(encodeSection({ id: 5, payload: Uint8Array.of(1, 0, 1) }));
  const wasm = Uint8Array.from([...header, ...memory, ...custom]);
  const sections = splitSections(wasm);
  assert.deepEqual(
    sections.map(({ id, name, start, end }) => ({ id, name, start, end })),
    [
      { id: 5, name: undefined, start: 8, end: 8 + memory.length },
      { id: 0, name: "hermes.manifest", start: 8 + memory.length, end: wasm.length },
    ],
  );
  assert.deepEqual([...customSectionsNamed(sections, "hermes.manifest")[0]!], [1, 2, 3]);
  assert.deepEqual(joined(sections.flatMap(encodeSection)), wasm.subarray(8));
});

test("a padded LEB128 size is read, and re-encoding gives the shortest form", () => {
  const wasm = Uint8Array.from([...header, 5, 0x83, 0x00, 1, 0, 1]);
  const [memory] = splitSections(wasm);
  assert.deepEqual(joined(encodeSection(memory!)), Uint8Array.of(5, 3, 1, 0, 1));
});

test("truncated sections and non-UTF-8 names are refused", () => {
  assert.throws(
    () => splitSections(Uint8Array.from([...header, 5, 9, 1, 0])),
    (e: Error) =>
      e instanceof RangeError &&
      /section 5 at byte 8 runs past the end .*truncated or tampered/.test(e.message),
  );
  assert.throws(() => splitSections(Uint8Array.from([...header, 0, 2, 1, 0xff])), TypeError);
});

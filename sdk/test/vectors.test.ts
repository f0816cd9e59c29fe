// The same messages through protobuf-es on the host and through the
// generated AssemblyScript inside a real .wasm (compiled here): each decodes
// the other's bytes to equal values, and the guest re-encodes byte for byte
// what protobuf-es writes. Hostile inputs fail with an error, never a trap.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  create,
  equals,
  fromBinary,
  toBinary,
  type DescMessage,
  type MessageShape,
} from "@bufbuild/protobuf";
import { compile } from "../builder/compile.js";
import { Guest, type GuestResult } from "../builder/guest.js";
import {
  messageTypes,
  NestedSchema,
  RepeatedSchema,
  ScalarsSchema,
  vectors,
} from "./support/vectors.js";

let guest: Guest;

before(async () => {
  guest = await Guest.load(
    await compile({ entry: new URL("assembly/vectors.ts", import.meta.url).pathname }),
  );
});

function roundtrip(schema: DescMessage, bytes: Uint8Array): GuestResult {
  const input = new Uint8Array(bytes.length + 1);
  input[0] = messageTypes.indexOf(schema);
  input.set(bytes, 1);
  return guest.call("roundtrip", input);
}

function output(result: GuestResult): Uint8Array {
  assert.ok(result.ok, result.ok ? "" : `guest failed: ${result.error}`);
  return result.output;
}

const concat = (...parts: Uint8Array[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => [...p]));

describe("protobuf-es → AssemblyScript → protobuf-es", () => {
  for (const vector of vectors()) {
    test(vector.name, () => {
      const schema = messageTypes[vector.type];
      const bytes = toBinary(schema, vector.message);
      const back = output(roundtrip(schema, bytes));
      assert.deepEqual(back, bytes, "the guest's encoding differs from protobuf-es's");
      assert.ok(equals(schema, fromBinary(schema, back), vector.message));
    });
  }
});

describe("AssemblyScript → protobuf-es", () => {
  test("a message built in AssemblyScript decodes to the same values and bytes as protobuf-es's", () => {
    const scalars = {
      fDouble: -1.5,
      fFloat: 0.25,
      fInt64: -9007199254740993n,
      fUint64: 18446744073709551615n,
      fInt32: -42,
      fFixed64: 1234567890123n,
      fFixed32: 4294967295,
      fBool: true,
      fString: "héllo, 世界 😀",
      fBytes: Uint8Array.of(0x00, 0xc3, 0xbf),
      fUint32: 300,
      fSfixed32: -2,
      fSfixed64: -3n,
      fSint32: -2147483648,
      fSint64: -9223372036854775808n,
      fEnum: -1,
    };
    const expected = create(NestedSchema, {
      inner: { name: "outer", child: { name: "inner" } },
      kind: 1,
      choice: { case: "scalars", value: scalars },
      at: { seconds: 1764158400n, nanos: 5 },
      took: { seconds: -1n, nanos: -500 },
      repeated: {
        int32s: [1, -1, 300],
        strings: ["a", "", "𝄞"],
        colors: [1, -1],
        unpackedInt32s: [7, -7],
        messages: [{}, scalars],
      },
      maps: {
        stringString: { k: "v", "emoji 🎉": "" },
        int32Int64: { "-1": 9n },
        stringMessage: { m: scalars },
        uint64Enum: { "1": 2 },
      },
    });
    const bytes = output(guest.call("sample"));
    assert.ok(equals(NestedSchema, fromBinary(NestedSchema, bytes), expected));
    assert.deepEqual(bytes, toBinary(NestedSchema, expected));
  });
});

describe("decoding rules", () => {
  test("repeated scalars are accepted packed and unpacked, and re-encoded as declared", () => {
    // int32s (5) unpacked and unpacked_int32s (18) packed: both forms are legal input.
    const unpacked = Uint8Array.of(0x28, 0x01, 0x28, 0x7f, 0x92, 0x01, 0x02, 0x03, 0x04);
    const expected = create(RepeatedSchema, { int32s: [1, 127], unpackedInt32s: [3, 4] });
    const back = output(roundtrip(RepeatedSchema, unpacked));
    assert.deepEqual(back, toBinary(RepeatedSchema, expected));
    assert.ok(
      equals(RepeatedSchema, fromBinary(RepeatedSchema, unpacked), expected),
      "protobuf-es reads the same",
    );
  });

  test("unknown fields of every wire type are skipped", () => {
    const known = toBinary(ScalarsSchema, create(ScalarsSchema, { fString: "kept", fInt32: 7 }));
    const unknown = Uint8Array.of(
      0xb8,
      0x06,
      0x96,
      0x01, // 103: varint
      0xc1,
      0x06,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // 104: fixed64
      0xca,
      0x06,
      0x02,
      0x68,
      0x69, // 105: length-delimited
      0xd5,
      0x06,
      1,
      2,
      3,
      4, // 106: fixed32
      0xdb,
      0x06,
      0x08,
      0x01,
      0xdc,
      0x06, // 107: group holding a varint
    );
    assert.deepEqual(output(roundtrip(ScalarsSchema, concat(unknown, known, unknown))), known);
  });

  test("unknown fields inside a map entry are skipped too", () => {
    const ConfigureRequest = messageTypes[7];
    // config entry: key "k", an unknown varint field 3, value "v".
    const entry = Uint8Array.of(0x0a, 0x08, 0x0a, 0x01, 0x6b, 0x18, 0x01, 0x12, 0x01, 0x76);
    assert.deepEqual(
      output(roundtrip(ConfigureRequest, entry)),
      toBinary(ConfigureRequest, create(ConfigureRequest, { config: { k: "v" } })),
    );
  });

  test("a message field that occurs twice is merged, as protobuf-es merges it", () => {
    const first = create(NestedSchema, {
      inner: { name: "a" },
      repeated: { strings: ["x"] },
      choice: { case: "scalars", value: { fInt32: 1 } },
    });
    const second = create(NestedSchema, {
      inner: { child: { name: "b" } },
      repeated: { strings: ["y"] },
      choice: { case: "scalars", value: { fString: "s" } },
    });
    const both = concat(toBinary(NestedSchema, first), toBinary(NestedSchema, second));
    const merged = fromBinary(NestedSchema, both);
    assert.deepEqual(output(roundtrip(NestedSchema, both)), toBinary(NestedSchema, merged));
  });

  test("the last oneof member wins", () => {
    const bytes = concat(
      toBinary(
        NestedSchema,
        create(NestedSchema, { choice: { case: "scalars", value: { fInt32: 1 } } }),
      ),
      toBinary(NestedSchema, create(NestedSchema, { choice: { case: "text", value: "t" } })),
    );
    assert.deepEqual(
      output(roundtrip(NestedSchema, bytes)),
      toBinary(NestedSchema, fromBinary(NestedSchema, bytes)),
    );
  });
});

describe("hostile input fails cleanly", () => {
  const nestedInners = (depth: number): Uint8Array => {
    let inner: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < depth; i++)
      inner = concat(Uint8Array.of(0x12), varint(inner.length), inner);
    return concat(Uint8Array.of(0x0a), varint(inner.length), inner);
  };
  const cases: Array<[string, DescMessage, Uint8Array, RegExp]> = [
    ["truncated varint", ScalarsSchema, Uint8Array.of(0x18, 0x80, 0x80), /truncated varint/],
    [
      "varint longer than ten bytes",
      ScalarsSchema,
      Uint8Array.of(0x18, ...new Array(10).fill(0xff), 0x01),
      /varint longer than 10 bytes/,
    ],
    ["truncated tag", ScalarsSchema, Uint8Array.of(0xff), /truncated varint/],
    [
      "string length past the end",
      ScalarsSchema,
      Uint8Array.of(0x4a, 0x05, 0x61),
      /length 5 past the end/,
    ],
    [
      "huge length",
      ScalarsSchema,
      Uint8Array.of(0x52, 0xff, 0xff, 0xff, 0xff, 0x0f),
      /length 4294967295 past the end/,
    ],
    [
      "wrong wire type for a string",
      ScalarsSchema,
      Uint8Array.of(0x48, 0x01),
      /field 9: wire type 0, expected 2/,
    ],
    [
      "wrong wire type for a message",
      NestedSchema,
      Uint8Array.of(0x08, 0x01),
      /field 1: wire type 0, expected 2/,
    ],
    [
      "wrong wire type for a double",
      ScalarsSchema,
      Uint8Array.of(0x0d, 0, 0, 0, 0),
      /field 1: wire type 5, expected 1/,
    ],
    ["field number 0", ScalarsSchema, Uint8Array.of(0x00, 0x01), /invalid field number 0/],
    [
      "invalid wire type 7",
      ScalarsSchema,
      Uint8Array.of(0x9f, 0x06),
      /field 99: invalid wire type 7/,
    ],
    [
      "end of group without a start",
      ScalarsSchema,
      Uint8Array.of(0x9c, 0x06),
      /field 99: invalid wire type 4/,
    ],
    [
      "unterminated group",
      ScalarsSchema,
      Uint8Array.of(0x9b, 0x06, 0x08, 0x01),
      /unterminated group 99/,
    ],
    [
      "mismatched end of group",
      ScalarsSchema,
      Uint8Array.of(0x9b, 0x06, 0xa4, 0x06),
      /mismatched end of group 99/,
    ],
    [
      "invalid UTF-8: a lone continuation byte",
      ScalarsSchema,
      Uint8Array.of(0x4a, 0x02, 0x61, 0x80),
      /invalid UTF-8/,
    ],
    [
      "invalid UTF-8: an overlong encoding",
      ScalarsSchema,
      Uint8Array.of(0x4a, 0x02, 0xc0, 0xaf),
      /invalid UTF-8/,
    ],
    [
      "invalid UTF-8: an encoded surrogate",
      ScalarsSchema,
      Uint8Array.of(0x4a, 0x03, 0xed, 0xa0, 0x80),
      /invalid UTF-8/,
    ],
    [
      "invalid UTF-8: past U+10FFFF",
      ScalarsSchema,
      Uint8Array.of(0x4a, 0x04, 0xf4, 0x90, 0x80, 0x80),
      /invalid UTF-8/,
    ],
    [
      "invalid UTF-8: a truncated sequence",
      ScalarsSchema,
      Uint8Array.of(0x4a, 0x02, 0xe2, 0x82),
      /invalid UTF-8/,
    ],
    [
      "invalid UTF-8 in a map key",
      messageTypes[7],
      Uint8Array.of(0x0a, 0x03, 0x0a, 0x01, 0xff),
      /invalid UTF-8/,
    ],
    [
      "truncated fixed64",
      ScalarsSchema,
      Uint8Array.of(0x09, 1, 2, 3),
      /truncated fixed-width value/,
    ],
    [
      "truncated element in a packed list",
      RepeatedSchema,
      Uint8Array.of(0x32, 0x03, 1, 2, 3),
      /truncated fixed-width value/,
    ],
    [
      "a field running past its message",
      NestedSchema,
      Uint8Array.of(0x0a, 0x02, 0x0a, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65),
      /length 5 past the end/,
    ],
    [
      "a map entry key of the wrong wire type",
      messageTypes[7],
      Uint8Array.of(0x0a, 0x02, 0x08, 0x01),
      /field 1: wire type 0, expected 2/,
    ],
    ["nesting deeper than 100", NestedSchema, nestedInners(150), /nested deeper than 100/],
  ];
  for (const [name, schema, bytes, error] of cases) {
    test(name, () => {
      const result = roundtrip(schema, bytes);
      assert.equal(result.ok, false, "the guest accepted it");
      if (result.ok) return;
      assert.equal(result.trapped, false, `the guest trapped: ${result.error}`);
      assert.match(result.error, error);
    });
  }

  test("nesting up to the limit is fine", () => {
    output(roundtrip(NestedSchema, nestedInners(98)));
  });

  test("mutated vectors decode or fail without a trap; what both decoders accept, they read alike", () => {
    const all = vectors();
    const next = random(20261126);
    let agreed = 0;
    for (let i = 0; i < 3000; i++) {
      const vector = all[Math.floor(next() * all.length)];
      const schema = messageTypes[vector.type];
      const bytes = [...toBinary(schema, vector.message)];
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
        const at = Math.floor(next() * (bytes.length + 1));
        const kind = next();
        if (kind < 0.6 && at < bytes.length) bytes[at] = Math.floor(next() * 256);
        else if (kind < 0.8) bytes.splice(at, 0, Math.floor(next() * 256));
        else bytes.splice(at, 1);
      }
      const mutated = Uint8Array.from(bytes);
      const result = roundtrip(schema, mutated);
      if (!result.ok) {
        assert.equal(
          result.trapped,
          false,
          `${vector.name} mutated to ${Buffer.from(mutated).toString("hex")}: trapped: ${result.error}`,
        );
        continue;
      }
      let expected: MessageShape<typeof schema>;
      try {
        expected = fromBinary(schema, mutated);
      } catch {
        // protobuf-es refuses a few inputs the guest accepts: it does not skip
        // unknown fields inside map entries, which protobuf allows.
        continue;
      }
      const hex = Buffer.from(mutated).toString("hex");
      assert.ok(
        equals(schema, fromBinary(schema, result.output), expected),
        `${vector.name} mutated to ${hex}: the decoders disagree`,
      );
      agreed++;
    }
    assert.ok(agreed > 300, `only ${agreed} mutations were valid for both decoders`);
  });

  test("every prefix of every vector decodes or fails without a trap, and memory stays flat", () => {
    const all = vectors();
    let calls = 0;
    let baseline = 0;
    for (const vector of all) {
      const schema = messageTypes[vector.type];
      const bytes = toBinary(schema, vector.message);
      if (bytes.length > 4096) continue; // the large vectors add time, not cases
      for (let end = 0; end < bytes.length; end++) {
        const result = roundtrip(schema, bytes.subarray(0, end));
        if (!result.ok)
          assert.equal(
            result.trapped,
            false,
            `${vector.name}, first ${end} bytes: trapped: ${result.error}`,
          );
        if (++calls === 200) baseline = guest.memoryBytes;
      }
    }
    assert.ok(calls > 2000, `only ${calls} prefixes`);
    // Every call allocates its own copies; without the per-call collection memory would grow with
    // the call count.
    assert.ok(
      guest.memoryBytes <= baseline + 2 * 65536,
      `memory grew from ${baseline} to ${guest.memoryBytes} bytes`,
    );
  });
});

/** A small seeded PRNG (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Uint8Array.from(out);
}

// The worker's hand-written wire codec against the generated schemas of host.proto.
import { test } from "node:test";
import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ClockResponseSchema,
  ConfigGetRequestSchema,
  ConfigGetResponseSchema,
  HashAlgorithm,
  HashRequestSchema,
  HashResponseSchema,
  HmacRequestSchema,
  KvDeleteRequestSchema,
  KvGetRequestSchema,
  KvGetResponseSchema,
  KvSetRequestSchema,
  LogLevel,
  LogRequestSchema,
  MetricKind,
  MetricRequestSchema,
  SignRs256RequestSchema,
} from "../../gen/hermes/plugin/v1/host_pb.js";
import { decode, encode } from "./host-codec.mjs";

const bytes = (s: string) => new TextEncoder().encode(s);

test("requests encoded by protobuf-es decode to the same values", () => {
  assert.deepEqual(
    decode.log(
      toBinary(
        LogRequestSchema,
        create(LogRequestSchema, {
          level: LogLevel.WARN,
          message: "héllo",
          fields: { a: "1", b: "2" },
        }),
      ),
    ),
    {
      level: LogLevel.WARN,
      message: "héllo",
      fields: { a: "1", b: "2" },
    },
  );
  assert.deepEqual(
    decode.metric(
      toBinary(
        MetricRequestSchema,
        create(MetricRequestSchema, {
          name: "sends",
          kind: MetricKind.HISTOGRAM,
          value: 0.25,
          labels: { x: "y" },
        }),
      ),
    ),
    {
      name: "sends",
      kind: MetricKind.HISTOGRAM,
      value: 0.25,
      labels: { x: "y" },
    },
  );
  for (const schema of [ConfigGetRequestSchema, KvGetRequestSchema, KvDeleteRequestSchema]) {
    assert.deepEqual(decode.key(toBinary(schema, create(schema, { key: "token" }))), {
      key: "token",
    });
  }
  const kv = decode.kvSet(
    toBinary(
      KvSetRequestSchema,
      create(KvSetRequestSchema, { key: "k", value: bytes("v"), ttlSeconds: 3600 }),
    ),
  );
  assert.deepEqual(
    { ...kv, value: [...kv.value] },
    { key: "k", value: [...bytes("v")], ttlSeconds: 3600 },
  );
  const hash = decode.hash(
    toBinary(
      HashRequestSchema,
      create(HashRequestSchema, { algorithm: HashAlgorithm.SHA512, data: bytes("d") }),
    ),
  );
  assert.deepEqual(
    { ...hash, data: [...hash.data] },
    { algorithm: HashAlgorithm.SHA512, data: [...bytes("d")] },
  );
  const hmac = decode.hmac(
    toBinary(
      HmacRequestSchema,
      create(HmacRequestSchema, {
        algorithm: HashAlgorithm.SHA1,
        keyConfig: "secret",
        data: bytes("d"),
      }),
    ),
  );
  assert.deepEqual(
    { ...hmac, data: [...hmac.data] },
    { algorithm: HashAlgorithm.SHA1, keyConfig: "secret", data: [...bytes("d")] },
  );
  const sign = decode.signRs256(
    toBinary(
      SignRs256RequestSchema,
      create(SignRs256RequestSchema, { keyConfig: "pem", data: bytes("jwt") }),
    ),
  );
  assert.deepEqual(
    { ...sign, data: [...sign.data] },
    { keyConfig: "pem", data: [...bytes("jwt")] },
  );
});

test("empty requests decode to defaults; unknown fields are skipped", () => {
  assert.deepEqual(decode.key(new Uint8Array(0)), { key: "" });
  // field 9 (varint 7) before field 1
  assert.deepEqual(decode.key(new Uint8Array([0x48, 7, 0x0a, 1, 0x61])), { key: "a" });
});

test("responses encoded by the worker decode with protobuf-es", () => {
  assert.deepEqual(
    fromBinary(ConfigGetResponseSchema, encode.found(true, "v")),
    create(ConfigGetResponseSchema, { found: true, value: "v" }),
  );
  assert.deepEqual(
    fromBinary(ConfigGetResponseSchema, encode.found(false, "")),
    create(ConfigGetResponseSchema, {}),
  );
  assert.deepEqual(
    fromBinary(KvGetResponseSchema, encode.found(true, bytes("x"))),
    create(KvGetResponseSchema, { found: true, value: bytes("x") }),
  );
  assert.equal(
    fromBinary(ClockResponseSchema, encode.clock(1_790_000_000_123)).unixMs,
    1_790_000_000_123n,
  );
  assert.deepEqual(
    [...fromBinary(HashResponseSchema, encode.bytes(bytes("digest"))).digest],
    [...bytes("digest")],
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  AbiVersion,
  ConfigureResponseSchema,
  HealthResponseSchema,
  ParseWebhookResponseSchema,
  PrepareSendRequestSchema,
  PrepareSendResponseSchema,
} from "@hermes/runtime/contracts/plugin";
import { buildPlugin, Guest, readManifest } from "./index.js";

const entry = new URL("../test/assembly/hello.ts", import.meta.url).pathname;

test("buildPlugin embeds the manifest describe returns, and the plugin answers calls", async () => {
  const built = await buildPlugin({ entry });
  assert.equal(built.manifest.name, "hello");
  assert.equal(built.manifest.abiVersion, AbiVersion.V1);
  assert.deepEqual(readManifest(built.wasm), built.manifest);

  const guest = await Guest.load(built.wasm);
  const input = toBinary(
    PrepareSendRequestSchema,
    create(PrepareSendRequestSchema, { attempt: 3 }),
  );
  const result = guest.call("prepare_send", input);
  assert.ok(result.ok, !result.ok ? result.error : "");
  const response = fromBinary(PrepareSendResponseSchema, result.output);
  assert.equal(response.action.case, "result");
  assert.deepEqual(response.action.value?.outcome, { case: "providerMessageId", value: "id-3" });

  const malformed = guest.call("prepare_send", Uint8Array.of(0x18, 0x80));
  assert.deepEqual(malformed, {
    ok: false,
    error: "prepare_send: malformed input: truncated varint",
    trapped: false,
  });

  // The hooks hello does not override answer with the Plugin defaults.
  const decode = <T>(
    schema: Parameters<typeof fromBinary>[0],
    result: ReturnType<Guest["call"]>,
  ) => {
    assert.ok(result.ok, !result.ok ? result.error : "");
    return fromBinary(schema, result.output) as T;
  };
  assert.deepEqual(
    decode<{ problems: unknown[] }>(ConfigureResponseSchema, guest.call("configure")).problems,
    [],
  );
  assert.equal(decode<{ ok: boolean }>(HealthResponseSchema, guest.call("health")).ok, true);
  assert.equal(
    decode<{ replyStatus: number }>(ParseWebhookResponseSchema, guest.call("parse_webhook"))
      .replyStatus,
    404,
  );
  const unimplemented = guest.call("handle_response");
  assert.equal(unimplemented.ok, false);
  if (!unimplemented.ok) {
    assert.equal(unimplemented.trapped, true);
    assert.match(
      unimplemented.error,
      /^handleResponse is not implemented by this plugin \(.*plugin\.ts:\d+:\d+\)$/,
    );
  }
});

test("buildPlugin names what is wrong with a module that is not a plugin", async () => {
  const vectors = new URL("../test/assembly/vectors.ts", import.meta.url).pathname;
  await assert.rejects(
    buildPlugin({ entry: vectors, optimizeLevel: 0 }),
    /does not export describe, configure, .*add `export \* from "@hermes\/sdk\/exports";`/,
  );
  const random = new URL("../test/assembly/uses-random.ts", import.meta.url).pathname;
  await assert.rejects(
    buildPlugin({ entry: random, optimizeLevel: 0 }),
    /uses-random\.ts imports env\.seed, which no Hermes host provides/,
  );
  const badManifest = new URL("../test/assembly/bad-manifest.ts", import.meta.url).pathname;
  await assert.rejects(
    buildPlugin({ entry: badManifest, optimizeLevel: 0 }),
    /bad-manifest\.ts: \[plugin_rejected\] plugin rejected: manifest name "Not A Name" must match \[a-z0-9-\]\{1,64\}/,
  );
  const broken = new URL("../test/assembly/broken.ts", import.meta.url).pathname;
  await assert.rejects(
    buildPlugin({ entry: broken, optimizeLevel: 0 }),
    /asc could not compile .*broken\.ts:[\s\S]*TS2322/,
  );
});

test("readManifest refuses a module without a manifest, or bytes that are no module", () => {
  const module = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  assert.throws(() => readManifest(module), /no "hermes\.manifest" custom section/);
  assert.throws(() => readManifest(Uint8Array.of(1, 2, 3)), /plugin rejected/);
});

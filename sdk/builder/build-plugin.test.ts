import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AbiVersion, PrepareSendRequestSchema, PrepareSendResponseSchema } from "@hermes/runtime/gen/hermes/plugin/v1/plugin_pb";
import { buildPlugin, Guest, manifestSectionName, readCustomSections, readManifest, withCustomSection } from "./index.js";

const entry = new URL("../test/assembly/hello.ts", import.meta.url).pathname;

test("buildPlugin embeds the manifest describe returns, and the plugin answers calls", async () => {
  const built = await buildPlugin({ entry });
  assert.equal(built.manifest.name, "hello");
  assert.equal(built.manifest.abiVersion, AbiVersion.V1);
  assert.deepEqual(readManifest(built.wasm), built.manifest);

  const guest = await Guest.load(built.wasm);
  const input = toBinary(PrepareSendRequestSchema, create(PrepareSendRequestSchema, { attempt: 3 }));
  const result = guest.call("prepare_send", input);
  assert.ok(result.ok, !result.ok ? result.error : "");
  const response = fromBinary(PrepareSendResponseSchema, result.output);
  assert.equal(response.action.case, "result");
  assert.deepEqual(response.action.value?.outcome, { case: "providerMessageId", value: "id-3" });

  const malformed = guest.call("prepare_send", Uint8Array.of(0x18, 0x80));
  assert.deepEqual(malformed, { ok: false, error: "prepare_send: malformed input: truncated varint", trapped: false });
});

test("withCustomSection replaces the section instead of adding a second", () => {
  const module = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  const once = withCustomSection(module, manifestSectionName, Uint8Array.of(1, 2));
  const twice = withCustomSection(once, manifestSectionName, Uint8Array.of(3));
  assert.deepEqual(readCustomSections(twice, manifestSectionName), [Uint8Array.of(3)]);
  assert.equal(readManifest(module), undefined);
  assert.throws(() => readManifest(Uint8Array.of(1, 2, 3)), /not a WebAssembly module/);
});

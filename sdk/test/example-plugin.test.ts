// The docs' example plugin, built with buildPlugin and called through every
// hook with protobuf-es messages, as the gateway's host would.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type MessageShape,
} from "@bufbuild/protobuf";
import { ErrorCode, DeliveryEventKind, MessageStatus } from "@hermes/runtime/contracts";
import {
  Capability,
  ConfigureRequestSchema,
  ConfigureResponseSchema,
  HandleResponseRequestSchema,
  HandleResponseResponseSchema,
  ParseWebhookRequestSchema,
  ParseWebhookResponseSchema,
  PrepareSendRequestSchema,
  PrepareSendResponseSchema,
} from "@hermes/runtime/contracts/plugin";
import { buildPlugin, Guest, type BuiltPlugin } from "../builder/index.js";
import { samplePrepareSendRequest } from "./support/vectors.js";

let built: BuiltPlugin;
let guest: Guest;
const logs: Uint8Array[] = [];

before(async () => {
  built = await buildPlugin({ entry: new URL("assembly/example.ts", import.meta.url).pathname });
  guest = await Guest.load(built.wasm, {
    hermes_log: (request) => {
      logs.push(request);
      return new Uint8Array(0);
    },
  });
});

function call<I extends DescMessage, O extends DescMessage>(
  fn: string,
  input: I,
  init: Parameters<typeof create<I>>[1],
  output: O,
): MessageShape<O> {
  const result = guest.call(fn, toBinary(input, create(input, init)));
  assert.ok(result.ok, result.ok ? "" : result.error);
  return fromBinary(output, result.output);
}

const utf8 = new TextEncoder();

test("the manifest is embedded", () => {
  assert.equal(built.manifest.name, "example-sms");
  assert.deepEqual(built.manifest.capabilities, [Capability.HTTP, Capability.WEBHOOK]);
  assert.deepEqual(
    built.manifest.configSchema.map((f) => [f.name, f.required, f.secret]),
    [
      ["apiKey", true, true],
      ["baseUrl", false, false],
    ],
  );
  assert.equal(built.manifest.configSchema[1].defaultValue, "https://api.example.com");
});

test("configure lists missing settings", () => {
  assert.deepEqual(
    call(
      "configure",
      ConfigureRequestSchema,
      { config: { apiKey: "" } },
      ConfigureResponseSchema,
    ).problems.map((p) => [p.field, p.reason]),
    [["apiKey", "required"]],
  );
  assert.deepEqual(
    call("configure", ConfigureRequestSchema, { config: { apiKey: "k" } }, ConfigureResponseSchema)
      .problems,
    [],
  );
});

test("prepare_send builds the provider's JSON request", () => {
  const response = call(
    "prepare_send",
    PrepareSendRequestSchema,
    { ...samplePrepareSendRequest, config: { apiKey: "key-✓" } },
    PrepareSendResponseSchema,
  );
  assert.equal(response.action.case, "http");
  const http = response.action.value!;
  assert.equal(http.method, "POST");
  assert.equal(http.url, "https://api.example.com/v1/messages");
  assert.deepEqual(
    http.headers.map((h) => [h.name, h.value]),
    [
      ["Authorization", "Bearer key-✓"],
      ["Content-Type", "application/json"],
    ],
  );
  const message = samplePrepareSendRequest.message!;
  assert.deepEqual(JSON.parse(new TextDecoder().decode(http.body)), {
    to: "+447700900123",
    text: message.content!.text,
    reference: message.id,
  });
});

test("prepare_send refuses a recipient without a phone number, without I/O", () => {
  const response = call(
    "prepare_send",
    PrepareSendRequestSchema,
    { message: { to: { kind: { case: "email", value: "a@b.c" } } } },
    PrepareSendResponseSchema,
  );
  assert.equal(response.action.case, "result");
  const outcome = response.action.value!.outcome;
  assert.equal(outcome.case, "error");
  assert.equal(outcome.value?.code, ErrorCode.INVALID_RECIPIENT);
});

test("handle_response maps the provider's answers to results", () => {
  const answer = (response: object) =>
    call(
      "handle_response",
      HandleResponseRequestSchema,
      { response, step: 1 },
      HandleResponseResponseSchema,
    ).action.value as { outcome: { case: string; value: unknown } };
  assert.deepEqual(answer({ status: 201, body: utf8.encode('{"id":"msg-1","n":1}') }).outcome, {
    case: "providerMessageId",
    value: "msg-1",
  });
  const throttled = answer({
    status: 429,
    headers: [{ name: "retry-after", value: "3" }],
    body: utf8.encode('{"error":"slow down"}'),
  }).outcome.value as Record<string, unknown>;
  assert.deepEqual(
    [
      throttled.code,
      throttled.retryable,
      throttled.retryAfterMs,
      throttled.message,
      throttled.providerCode,
    ],
    [ErrorCode.THROTTLED, true, 3000, "slow down", "429"],
  );
  const unavailable = answer({ status: 503, body: utf8.encode("<html>") }).outcome.value as Record<
    string,
    unknown
  >;
  assert.deepEqual(
    [unavailable.code, unavailable.retryable, unavailable.message],
    [ErrorCode.PROVIDER_UNAVAILABLE, true, "provider answered HTTP 503"],
  );
  const auth = answer({ status: 401 }).outcome.value as Record<string, unknown>;
  assert.deepEqual([auth.code, auth.retryable], [ErrorCode.PROVIDER_AUTH, false]);
  const transport = answer({
    transportError: { code: ErrorCode.TIMEOUT, retryable: true, message: "timed out" },
  }).outcome.value as Record<string, unknown>;
  assert.deepEqual([transport.code, transport.message], [ErrorCode.TIMEOUT, "timed out"]);
  assert.ok(logs.length >= 4, "the refusals were logged through hermes_log");
});

test("parse_webhook turns a form callback into a status event, and refuses a malformed one", () => {
  const parse = (body: string) =>
    call(
      "parse_webhook",
      ParseWebhookRequestSchema,
      { request: { method: "POST", body: utf8.encode(body) } },
      ParseWebhookResponseSchema,
    );
  const delivered = parse("id=msg-1&status=delivered");
  assert.equal(delivered.replyStatus, 200);
  assert.deepEqual(
    delivered.events.map((e) => [e.providerMessageId, e.kind, e.status]),
    [["msg-1", DeliveryEventKind.STATUS, MessageStatus.DELIVERED]],
  );
  const refused = parse("nonsense");
  assert.deepEqual(
    [refused.replyStatus, refused.error, refused.events.length],
    [400, "expected id and status", 0],
  );
});

test("docs/plugin-sdk.md shows this plugin as it is", async () => {
  const { readFile } = await import("node:fs/promises");
  const source = await readFile(new URL("assembly/example.ts", import.meta.url), "utf8");
  const doc = await readFile(new URL("../../docs/plugin-sdk.md", import.meta.url), "utf8");
  // The doc shows the module without its two-line test header.
  const shown = source.split("\n").slice(2).join("\n").trimEnd();
  assert.ok(
    doc.includes(`\`\`\`ts\n${shown}\n\`\`\``),
    "docs/plugin-sdk.md's example differs from sdk/test/assembly/example.ts",
  );
});

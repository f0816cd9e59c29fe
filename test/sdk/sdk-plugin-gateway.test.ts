// A plugin built with the SDK, run by the gateway's real plugin host: the
// docs' example plugin on a `wasm` route, its provider a local HTTP server.
// Send → prepare_send → the host's HTTP request → handle_response → SUBMITTED,
// then the provider's webhook → parse_webhook → DELIVERED.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ErrorCode, Channel, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { buildPlugin } from "../../sdk/builder/index.js";
import { clients, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { HttpSink, type SinkAnswer } from "../support/http-sink.js";
import { untilStatus, untilTerminal } from "../support/wait.js";

const provider = new HttpSink();
let gw: TestGateway;
let dir = "";

before(async () => {
  const providerUrl = await provider.start();
  let ids = 0;
  provider.answer = (request): SinkAnswer => {
    const body = JSON.parse(request.body) as { text: string };
    if (body.text === "please throttle")
      return { status: 429, headers: { "retry-after": "1" }, body: '{"error":"slow down"}' };
    return {
      status: 201,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: `ex-${++ids}` }),
    };
  };
  dir = mkdtempSync(join(tmpdir(), "hermes-sdk-plugin-"));
  const file = join(dir, "example.wasm");
  await buildPlugin({
    entry: new URL("../../sdk/test/assembly/example.ts", import.meta.url).pathname,
    outFile: file,
  });
  gw = await startTestGateway({
    routes: [
      {
        name: "example",
        channel: "sms",
        adapter: "wasm",
        config: {
          file,
          config: { apiKey: "key-1", baseUrl: providerUrl },
          allowHttp: true,
          allowHosts: ["127.0.0.1"],
          workers: 1,
        },
        retry: { maxAttempts: 1, initialBackoffMs: 10, maxBackoffMs: 20 },
      },
    ],
  });
});

after(async () => {
  await gw?.close();
  await provider.close();
  rmSync(dir, { recursive: true, force: true });
});

const sms = (text: string) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: "+447700900123" } },
    content: { text },
  });

test("an SDK plugin sends through the host and reports delivery from its webhook", async () => {
  const { messages } = clients(gw.gateway.url);
  const text = "héllo from the SDK 😀";
  const { message } = await messages.send({ message: sms(text) });
  assert.ok(message);
  await provider.waitFor(1);
  const request = provider.received[0];
  assert.equal(request.method, "POST");
  assert.equal(request.url, "/v1/messages");
  assert.equal(request.headers.authorization, "Bearer key-1");
  assert.deepEqual(JSON.parse(request.body), { to: "+447700900123", text, reference: message.id });

  const submitted = await untilStatus(messages, message.id, MessageStatus.SUBMITTED);
  assert.equal(submitted.status, MessageStatus.SUBMITTED);
  assert.equal(submitted.providerMessageId, "ex-1");

  const hook = await fetch(`${gw.gateway.url}/webhooks/example`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "id=ex-1&status=delivered",
  });
  assert.equal(hook.status, 200);
  const events = await untilTerminal(messages, message.id);
  assert.equal(events.at(-1)?.status, MessageStatus.DELIVERED);

  const refused = await fetch(`${gw.gateway.url}/webhooks/example`, {
    method: "POST",
    body: "nonsense",
  });
  assert.equal(refused.status, 400);
});

test("a provider's 429 is a retryable failure: with one attempt allowed, the router gives up with the plugin's reason", async () => {
  const { messages } = clients(gw.gateway.url);
  const { message } = await messages.send({ message: sms("please throttle") });
  const events = await untilTerminal(messages, message!.id);
  const last = events.at(-1)!;
  assert.equal(last.status, MessageStatus.FAILED);
  // A non-retryable error would end as itself; a retryable one exhausts the route's single attempt.
  assert.equal(last.error?.code, ErrorCode.RETRIES_EXHAUSTED);
  assert.match(last.error?.message ?? "", /slow down/);
  assert.equal(last.error?.providerCode, "429");
});

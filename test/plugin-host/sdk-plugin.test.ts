import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema, MessageStatus, ErrorCode } from "@hermes/runtime/contracts";
import { HttpSink } from "../support/http-sink.js";
import { clients, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { untilStatus, untilTerminal } from "../support/wait.js";
import { buildSdkPlugin } from "./fixtures/build.js";

const sms = (text: string) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: "+15551234567" } },
    content: { text },
  });

describe("a plugin built with the SDK runs in the host", () => {
  const provider = new HttpSink();
  let dir = "";
  let gw: TestGateway;
  let ids = 0;

  before(async () => {
    const providerUrl = await provider.start();
    provider.answer = () => ({
      status: 201,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: `sdk-${++ids}` }),
    });
    dir = mkdtempSync(join(tmpdir(), "hermes-sdk-plugin-"));
    const file = join(dir, "sdk-sms.wasm");
    writeFileSync(file, await buildSdkPlugin("sdk-sms"));
    gw = await startTestGateway({
      routes: [
        {
          name: "sdk-sms",
          channel: "sms",
          adapter: "wasm",
          config: {
            file,
            config: { apiKey: "k-123", baseUrl: providerUrl },
            allowHttp: true,
            workers: 1,
          },
          retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
        },
      ],
    });
  });
  after(async () => {
    await gw?.close();
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("send → the provider's JSON API → SUBMITTED; a form webhook → DELIVERED", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("hello via the sdk") });
    await provider.waitFor(1);
    const request = provider.received[0]!;
    assert.equal(request.url, "/v1/messages");
    assert.equal(request.headers.authorization, "Bearer k-123");
    assert.deepEqual(JSON.parse(request.body), {
      text: "hello via the sdk",
      reference: message!.id,
    });
    const submitted = await untilStatus(messages, message!.id, MessageStatus.SUBMITTED);
    assert.equal(submitted.providerMessageId, "sdk-1");
    const hook = await fetch(`${gw.gateway.url}/webhooks/sdk-sms`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "id=sdk-1&status=delivered",
    });
    assert.equal(hook.status, 200);
    const events = await untilTerminal(messages, message!.id);
    assert.equal(events.at(-1)?.status, MessageStatus.DELIVERED);
  });

  test("a malformed webhook gets the plugin's 400", async () => {
    const hook = await fetch(`${gw.gateway.url}/webhooks/sdk-sms`, {
      method: "POST",
      body: "nothing=here",
    });
    assert.equal(hook.status, 400);
  });

  test("a result reached without I/O fails the message with the plugin's code", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("invalid") });
    const last = (await untilTerminal(messages, message!.id)).at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.equal(last.error?.code, ErrorCode.INVALID_RECIPIENT);
  });

  test("a throw inside the plugin is a retryable failure carrying the plugin's message", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("throw") });
    const last = (await untilTerminal(messages, message!.id)).at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    // Retried once (retryable), then the router gives up: the last attempt's reason is kept.
    assert.equal(last.error?.code, ErrorCode.RETRIES_EXHAUSTED, JSON.stringify(last.error));
    assert.match(last.error?.message ?? "", /trapped: .*the plugin threw on purpose/);
    assert.equal((await messages.getMessage({ id: message!.id })).message?.attempts, 2);
  });
});

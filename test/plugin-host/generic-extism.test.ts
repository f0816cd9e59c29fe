import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Capability } from "@hermes/runtime/contracts/plugin";
import { Channel, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { compilePlugin } from "@hermes/runtime/plugin-host";
import { HttpSink } from "../support/http-sink.js";
import { clients, keys, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { untilStatus } from "../support/wait.js";
import { buildPlugin, buildSdkPlugin, testManifest } from "./fixtures/build.js";

const sms = (text: string) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: "+15551234567" } },
    content: { text },
  });
const pdkManifest = testManifest({
  name: "pdk-sms",
  version: "2.1.0",
  capabilities: [Capability.HTTP],
});

describe("a plain @extism/as-pdk plugin runs on the generic Extism path", () => {
  const provider = new HttpSink();
  let dir = "";
  let gw: TestGateway;
  let ids = 0;

  before(async () => {
    const providerUrl = await provider.start();
    provider.answer = (request) =>
      request.url === "/v1/messages"
        ? {
            status: 201,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ id: `sdk-${++ids}` }),
          }
        : { status: 200, body: `pdk-${++ids}` };
    dir = mkdtempSync(join(tmpdir(), "hermes-generic-extism-"));
    const pdkFile = join(dir, "pdk-sms.wasm");
    const sdkFile = join(dir, "sdk-sms.wasm");
    writeFileSync(pdkFile, await buildPlugin("pdk-sms", pdkManifest));
    writeFileSync(sdkFile, await buildSdkPlugin("sdk-sms"));
    const retry = { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 };
    gw = await startTestGateway({
      routes: [
        // Tenant globex sends through the as-pdk plugin, acme through the SDK one.
        {
          name: "pdk-sms",
          channel: "sms",
          adapter: "wasm",
          tenants: ["globex"],
          retry,
          config: {
            file: pdkFile,
            config: { api_key: "pdk-key", base_url: providerUrl },
            allowHttp: true,
            workers: 2,
          },
        },
        {
          name: "sdk-sms",
          channel: "sms",
          adapter: "wasm",
          tenants: ["acme"],
          retry,
          config: {
            file: sdkFile,
            config: { apiKey: "k-123", baseUrl: providerUrl },
            allowHttp: true,
            workers: 1,
          },
        },
      ],
    });
  });
  after(async () => {
    await gw?.close();
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the host tells the I/O convention from the imports", async () => {
    assert.equal((await compilePlugin(await buildPlugin("pdk-sms", pdkManifest))).io, "extism");
    assert.equal((await compilePlugin(await buildSdkPlugin("sdk-sms"))).io, "hermes");
    assert.equal((await compilePlugin(await buildPlugin())).io, "hermes");
  });

  test("a send goes through the as-pdk plugin end to end while the SDK plugin serves beside it", async () => {
    const pdk = clients(gw.gateway.url, keys.otherTenant).messages;
    const sdk = clients(gw.gateway.url).messages;
    const [viaPdk, viaSdk] = await Promise.all([
      pdk.send({ message: sms("hello generic") }),
      sdk.send({ message: sms("hello sdk") }),
    ]);
    const got = await untilStatus(pdk, viaPdk.message!.id, MessageStatus.SUBMITTED);
    const request = provider.received.find((r) => r.url === "/send");
    assert.ok(request, "the provider received the as-pdk plugin's request");
    assert.equal(request.body, "pdk:hello generic");
    assert.equal(request.headers.authorization, "Bearer pdk-key");
    assert.equal(request.headers["x-plugin-version"], "2.1.0");
    assert.match(got.providerMessageId, /^pdk-\d+$/);
    assert.equal(got.route, "pdk-sms");

    const sdkGot = await untilStatus(sdk, viaSdk.message!.id, MessageStatus.SUBMITTED);
    assert.match(sdkGot.providerMessageId, /^sdk-\d+$/);
    assert.equal(sdkGot.route, "sdk-sms");
  });

  test("an error the as-pdk plugin sets with error_set fails the message with its text, and the route keeps serving", async () => {
    const pdk = clients(gw.gateway.url, keys.otherTenant).messages;
    const { message } = await pdk.send({ message: sms("refuse") });
    const failed = await untilStatus(pdk, message!.id, MessageStatus.FAILED);
    assert.match(failed.error?.message ?? "", /pdk plugin refuses this message/);

    const next = await pdk.send({ message: sms("after the refusal") });
    await untilStatus(pdk, next.message!.id, MessageStatus.SUBMITTED);
    assert.ok(provider.received.some((r) => r.body === "pdk:after the refusal"));
  });
});

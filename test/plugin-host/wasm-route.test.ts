import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  Channel,
  MessageSchema,
  MessageStatus,
  RouteState,
  ErrorCode,
  type RouteHealth,
} from "@hermes/runtime/contracts";
import type { HermesError } from "@hermes/runtime";
import { HttpSink } from "../support/http-sink.js";
import { clients, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { untilEvent, untilStatus, untilTerminal } from "../support/wait.js";
import { buildPlugin, testManifest } from "./fixtures/build.js";

const sms = (text: string) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: "+15551234567" } },
    content: { text },
  });

/** A wasm route on the test plugin, its provider a local HTTP server. */
function wasmRoute(
  name: string,
  file: string,
  providerUrl: string,
  extra: Record<string, unknown> = {},
) {
  return {
    name,
    channel: "sms",
    adapter: "wasm",
    config: {
      file,
      config: { api_key: "secret-key", base_url: providerUrl },
      allowHttp: true,
      workers: 2,
      ...extra,
    },
    retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
  };
}

describe("wasm routes through a real gateway", () => {
  const provider = new HttpSink();
  let providerUrl = "";
  let dir = "";
  let v1 = "";
  let gw: TestGateway;
  let ids = 0;

  before(async () => {
    providerUrl = await provider.start();
    provider.answer = (request) => {
      if (request.url === "/send" && request.body === "reject me")
        return { status: 400, body: "bad number" };
      if (request.url === "/send" && request.body === "two steps") return { status: 202, body: "" };
      if (request.url === "/send" && request.body === "slow")
        return { status: 200, body: `prov-${++ids}`, delayMs: 1500 };
      return { status: 200, body: `prov-${++ids}` };
    };
    dir = mkdtempSync(join(tmpdir(), "hermes-wasm-route-"));
    v1 = join(dir, "v1.wasm");
    writeFileSync(v1, await buildPlugin());
    gw = await startTestGateway({ routes: [wasmRoute("sms", v1, providerUrl)] });
  });
  after(async () => {
    await gw?.close();
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("prepare_send → HTTP to the provider → handle_response → SUBMITTED, then a webhook report → DELIVERED", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("hello from wasm") });
    assert.ok(message);
    const seen = provider.received.length;
    await provider.waitFor(seen + 1);
    const request = provider.received.find((r) => r.body === "hello from wasm");
    assert.ok(request, "the provider received the plugin's request");
    assert.equal(request.method, "POST");
    assert.equal(request.headers.authorization, "Bearer secret-key");
    assert.equal(request.headers["x-plugin-version"], "1.0.0");

    const submitted = await untilStatus(messages, message.id, MessageStatus.SUBMITTED);
    assert.equal(submitted.status, MessageStatus.SUBMITTED);
    const providerId = submitted.providerMessageId;
    assert.match(providerId ?? "", /^prov-\d+$/);

    const hook = await fetch(`${gw.gateway.url}/webhooks/sms`, {
      method: "POST",
      body: `${providerId}:delivered`,
    });
    assert.equal(hook.status, 200);
    assert.equal(await hook.text(), "ok");
    const events = await untilTerminal(messages, message.id);
    assert.deepEqual(events.map((e) => e.status).slice(-2), [
      MessageStatus.SUBMITTED,
      MessageStatus.DELIVERED,
    ]);
  });

  test("plugin metrics are served on the gateway's /metrics with plugin and route labels", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("log") });
    await waitForStatus(message!.id, MessageStatus.SUBMITTED);
    const exposition = await (await fetch(`${gw.gateway.url}/metrics`)).text();
    assert.match(
      exposition,
      /hermes_plugin_sends\{kind="test",plugin="test-sms",route="sms"\} [1-9]/,
    );
    assert.match(
      exposition,
      /hermes_messages_accepted_total/,
      "the gateway's own metrics are still there",
    );
  });

  test("a multi-step flow makes a second request and submits with the second answer", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("two steps") });
    const events = await waitForStatus(message!.id, MessageStatus.SUBMITTED);
    assert.ok(events);
    assert.ok(
      provider.received.some((r) => r.url === "/confirm"),
      "the plugin's second request reached the provider",
    );
  });

  test("a plugin that keeps asking for requests is stopped at the step limit, for good", async () => {
    const { messages } = clients(gw.gateway.url);
    const before = provider.received.length;
    const { message } = await messages.send({ message: sms("endless") });
    const last = (await untilTerminal(messages, message!.id)).at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.equal(last.error?.code, ErrorCode.PLUGIN_FAILURE);
    assert.match(last.error?.message ?? "", /asked for more than 5 HTTP requests for one send/);
    assert.equal(last.error?.retryable, false);
    assert.equal(provider.received.length - before, 5);
  });

  test("a provider refusal fails the message with the plugin's error, not retried", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("reject me") });
    const events = await untilTerminal(messages, message!.id);
    const last = events.at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.equal(last.error?.code, ErrorCode.PROVIDER_REJECTED);
    assert.match(last.error?.message ?? "", /bad number/);
    assert.equal(last.error?.providerCode, "400");
    const got = await messages.getMessage({ id: message!.id });
    assert.equal(got.message?.attempts, 1);
  });

  test("a request to a host outside allowed_hosts fails permanently with PLUGIN_DENIED", async () => {
    const { messages } = clients(gw.gateway.url);
    const before = provider.received.length;
    const { message } = await messages.send({ message: sms("offlist") });
    const events = await untilTerminal(messages, message!.id);
    const last = events.at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.equal(last.error?.code, ErrorCode.PLUGIN_DENIED);
    assert.match(last.error?.message ?? "", /evil\.example\.com.*allowed_hosts/);
    assert.equal(last.error?.retryable, false);
    assert.equal(provider.received.length, before, "nothing was sent anywhere");
  });

  test("a plugin that traps fails the attempt retryably; retries exhaust, the route keeps serving", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("trap") });
    const events = await untilTerminal(messages, message!.id);
    const last = events.at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.match(last.error?.message ?? "", /trapped: unreachable/);
    const got = await messages.getMessage({ id: message!.id });
    assert.equal(got.message?.attempts, 2, "the trap was retryable and retried");
    const { message: next } = await messages.send({ message: sms("after the trap") });
    assert.ok(await waitForStatus(next!.id, MessageStatus.SUBMITTED));
  });

  test("a plugin that loops is stopped at its deadline on every attempt; the route recovers and serves the next message", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("loop") });
    const last = (await untilTerminal(messages, message!.id)).at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.match(
      last.error?.message ?? "",
      /ran past its 300 ms deadline; its worker was terminated/,
    );
    assert.equal((await messages.getMessage({ id: message!.id })).message?.attempts, 2);
    const { message: next } = await messages.send({ message: sms("after the loop") });
    assert.ok(await waitForStatus(next!.id, MessageStatus.SUBMITTED));
  });

  test("a route whose plugin config is invalid fails to start with CONFIG_INVALID naming the field", async () => {
    const route = wasmRoute("bad", v1, providerUrl);
    (route.config.config as Record<string, string>).api_key = "";
    await assert.rejects(startTestGateway({ routes: [route] }), (error: HermesError) => {
      assert.equal(error.code, ErrorCode.CONFIG_INVALID);
      assert.equal(error.field, "config.config.api_key");
      return true;
    });
  });

  test("hot swap under load: zero failed sends, new sends run the new version, the old one drains", async () => {
    const { messages } = clients(gw.gateway.url);
    const v2 = await buildPlugin("test-plugin", testManifest({ version: "2.0.0" }));
    const sent: string[] = [];
    let swapped = false;
    let sentAfterSwap = 0;
    // Sends keep coming before, during and after the swap, however long it takes.
    const sending = (async () => {
      for (let i = 0; !(swapped && sentAfterSwap >= 20) && i < 5000; i++) {
        const { message } = await messages.send({ message: sms(`load ${i}`) });
        sent.push(message!.id);
        if (swapped) sentAfterSwap++;
      }
    })();
    while (sent.length < 10) await new Promise((r) => setTimeout(r, 5));
    const results = await gw.gateway.pluginHost.activate("test-sms", "2.0.0", v2);
    swapped = true;
    assert.deepEqual(
      results.map((r) => [r.route, r.ok, r.version]),
      [["sms", true, "2.0.0"]],
    );
    await sending;
    const versions = new Set<string>();
    for (const id of sent) {
      const events = await waitForStatus(id, MessageStatus.SUBMITTED);
      const submitted = events.find((e) => e.status === MessageStatus.SUBMITTED)!;
      versions.add(submitted.detail.version ?? "");
      assert.equal(
        (await messages.getMessage({ id })).message?.attempts,
        1,
        "no attempt failed across the swap",
      );
    }
    assert.ok(
      versions.has("1.0.0") && versions.has("2.0.0"),
      `both versions served sends: ${[...versions]}`,
    );
    const { message } = await messages.send({ message: sms("after swap") });
    const events = await waitForStatus(message!.id, MessageStatus.SUBMITTED);
    assert.equal(events.find((e) => e.status === MessageStatus.SUBMITTED)?.detail.version, "2.0.0");
    assert.deepEqual(
      gw.gateway.pluginHost.routes().find((r) => r.route === "sms")?.version,
      "2.0.0",
    );
  });

  test("a swap to a broken or mismatched module keeps the old version", async () => {
    const results = await gw.gateway.pluginHost.activate(
      "test-sms",
      "3.0.0",
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99, 99]),
    );
    assert.equal(results.length, 1);
    assert.equal(results[0]!.ok, false);
    assert.equal(results[0]!.error?.code, ErrorCode.PLUGIN_REJECTED);
    assert.notEqual(results[0]!.version, "3.0.0");
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({ message: sms("still serving") });
    assert.ok(await waitForStatus(message!.id, MessageStatus.SUBMITTED));
  });

  test("a send in flight during a swap finishes on the version that made its request", async () => {
    const { messages } = clients(gw.gateway.url);
    const from = gw.gateway.pluginHost.routes().find((r) => r.route === "sms")!.version;
    const seen = provider.received.length;
    const { message: slow } = await messages.send({ message: sms("slow") });
    const v21 = await buildPlugin("test-plugin", testManifest({ version: "2.1.0" }));
    await provider.waitFor(seen + 1); // its request is at the provider, which answers in 1.5 s
    const results = await gw.gateway.pluginHost.activate("test-sms", "2.1.0", v21);
    assert.equal(results[0]?.ok, true);
    assert.notEqual(
      (await messages.getMessage({ id: slow!.id })).message?.status,
      MessageStatus.SUBMITTED,
      "still in flight when the swap finished",
    );
    const { message: fresh } = await messages.send({ message: sms("fresh") });
    const versionOf = async (id: string) =>
      (await waitForStatus(id, MessageStatus.SUBMITTED)).find(
        (e) => e.status === MessageStatus.SUBMITTED,
      )!.detail.version;
    assert.equal(await versionOf(fresh!.id), "2.1.0");
    assert.equal(
      await versionOf(slow!.id),
      from,
      "handle_response went to the version that prepared the send",
    );
  });

  test("AdminService health shows the route's plugin version, its health check and the worker pool in the tree", async () => {
    const { admin } = clients(gw.gateway.url);
    const current = gw.gateway.pluginHost.routes().find((r) => r.route === "sms")!.version;
    let route: RouteHealth | undefined;
    for (let i = 0; i < 100; i++) {
      route = (await admin.getHealth({})).routes.find((r) => r.name === "sms");
      if (route?.detail.plugin_health === `v${current}`) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(route?.adapter, "wasm");
    assert.equal(route?.state, RouteState.UP);
    assert.equal(route?.detail.plugin, `test-sms@${current}`);
    assert.equal(route?.detail.plugin_health, `v${current}`);
    assert.equal(route?.detail.workers, "2");
    const tree = JSON.stringify((await admin.getHealth({})).supervisionTree);
    assert.match(tree, /plugins:sms\/worker-0/);
    assert.match(tree, /plugins:sms\/worker-1/);
  });

  test("a route naming a plugin with no active version fails to start with CONFIG_INVALID", async () => {
    // The gateway binds its plugin registry as the source (test/plugin-registry covers published
    // plugins).
    const route = {
      ...wasmRoute("unpublished", v1, providerUrl),
      config: { plugin: "nope", config: { api_key: "k", base_url: providerUrl }, allowHttp: true },
    };
    await assert.rejects(startTestGateway({ routes: [route] }), (error: HermesError) => {
      assert.equal(error.code, ErrorCode.CONFIG_INVALID);
      assert.equal(error.field, "config.plugin");
      assert.match(error.message, /plugin "nope" has no active version/);
      return true;
    });
  });

  async function waitForStatus(id: string, status: MessageStatus) {
    const { messages } = clients(gw.gateway.url);
    for (let i = 0; i < 250; i++) {
      const got = await messages.getMessage({ id });
      if (got.message?.status === status)
        return untilEvent(messages, id, (event) => event.status === status, MessageStatus[status]);
      if (got.message && got.message.status > status)
        throw new Error(
          `message ${id} went past ${MessageStatus[status]} to ${MessageStatus[got.message.status]}: ${got.message.error?.message}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`message ${id} did not reach ${MessageStatus[status]}`);
  }
});

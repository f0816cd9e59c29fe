// OpenTelemetry traces end to end: a gateway exporting OTLP/HTTP to a
// receiver started here, a message sent with a W3C traceparent, and the
// span tree of that one message checked from the API call to its receipt
// (an SMPP route, an SMTP route into KumoMTA) or to its provider's HTTP
// request (a WASM route).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Channel, MessageSchema, MessageService, MessageStatus } from "@hermes/runtime/contracts";
import { SmscSimulator } from "@hermes/runtime/simulators";
import { keys, startTestGateway } from "../support/gateway-harness.js";
import { HttpSink } from "../support/http-sink.js";
import { OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";
import { poll, untilStatus, untilTerminal } from "../support/wait.js";
import { buildPlugin } from "../plugin-host/fixtures/build.js";
import { email, startKumoRoute } from "../smtp/kumomta-fixture.js";

const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const callerSpan = "00f067aa0ba902b7";
const kind = { internal: 1, server: 2, client: 3 };

const sms = (text: string) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: "+447700900123" } },
    content: { text },
  });

/** A MessageService client whose calls carry the caller's traceparent. */
function tracedClient(url: string) {
  return createClient(
    MessageService,
    createConnectTransport({
      baseUrl: url,
      httpVersion: "1.1",
      interceptors: [
        (next) => (req) => {
          req.header.set("authorization", `Bearer ${keys.all}`);
          req.header.set("traceparent", `00-${callerTrace}-${callerSpan}-01`);
          return next(req);
        },
      ],
    }),
  );
}

/**
 * The spans of one message so far, by name; fails on a name that occurs
 * twice, but for `hermes.report`, of which the one that moved the message
 * to `finalStatus` is kept.
 */
function spansOf(receiver: OtlpReceiver, id: string, finalStatus = "DELIVERED") {
  const byName = new Map<string, ReceivedSpan>();
  for (const span of receiver.spans) {
    if (span.attributes["hermes.message.id"] !== id) continue;
    if (span.name === "hermes.report") {
      if (span.attributes["hermes.report.status"] === finalStatus) byName.set(span.name, span);
      continue;
    }
    assert.ok(!byName.has(span.name), `one ${span.name} span for message ${id}`);
    byName.set(span.name, span);
  }
  return byName;
}

function childOf(child: ReceivedSpan | undefined, parent: ReceivedSpan | undefined, what: string) {
  assert.ok(child && parent, `${what}: both spans were exported`);
  assert.equal(child.traceId, parent.traceId, `${what}: one trace`);
  assert.equal(child.parentSpanId, parent.spanId, `${what}: ${child.name} under ${parent.name}`);
  assert.ok(child.startNs >= parent.startNs, `${what}: starts after its parent`);
}

describe("OpenTelemetry traces of a message", () => {
  const receiver = new OtlpReceiver();
  let endpoint = "";
  before(async () => {
    endpoint = await receiver.start();
  });
  after(() => receiver.close());

  test("SMPP: Send → durable write, route wait, attempt → submit_sm, and the receipt, all under the caller's trace", async () => {
    const smsc = await SmscSimulator.start({ behaviour: { receiptDelayMs: 50 } });
    const gw = await startTestGateway({
      tracing: { endpoint, serviceName: "hermes-test", exportIntervalMs: 50 },
      routes: [
        {
          name: "carrier",
          channel: "sms",
          adapter: "smpp",
          config: { host: "127.0.0.1", port: smsc.port, systemId: "hermes" },
        },
      ],
    });
    try {
      const messages = tracedClient(gw.gateway.url);
      const { message } = await messages.send({ message: sms("traced") });
      const id = message!.id;
      await untilTerminal(messages, id);
      const spans = await poll(
        () => {
          const found = spansOf(receiver, id);
          return found.has("hermes.report") && found.has("smpp.submit_sm") ? found : undefined;
        },
        () => `spans of ${id}: ${[...spansOf(receiver, id).keys()].join(", ")}`,
      );
      const send = spans.get("hermes.v1.MessageService/Send")!;
      assert.ok(send, "the Send call's span carries the message id");
      assert.equal(send.kind, kind.server);
      assert.equal(send.traceId, callerTrace, "the caller's traceparent is the parent");
      assert.equal(send.parentSpanId, callerSpan);
      assert.equal(send.service, "hermes-test");
      assert.equal(send.attributes["rpc.method"], "Send");
      childOf(spans.get("hermes.store.write"), send, "the durable write");
      childOf(spans.get("hermes.route"), send, "the wait on the route");
      assert.equal(spans.get("hermes.route")!.attributes["hermes.route"], "carrier");
      const attempt = spans.get("hermes.attempt");
      childOf(attempt, send, "the attempt");
      assert.equal(attempt!.attributes["hermes.attempt"], 1);
      // Each span reads its own anchored clock: allow them a millisecond apart.
      assert.ok(
        attempt!.startNs + 1_000_000n >= spans.get("hermes.route")!.endNs,
        "the route wait ends as the attempt starts",
      );
      const submit = spans.get("smpp.submit_sm")!;
      childOf(submit, attempt, "the SMPP submit");
      assert.equal(submit.kind, kind.client);
      assert.equal(submit.attributes["hermes.outcome"], "submitted");
      const got = await messages.getMessage({ id });
      assert.equal(submit.attributes["hermes.provider.message_id"], got.message!.providerMessageId);
      const report = spans.get("hermes.report")!;
      childOf(report, send, "the receipt");
      assert.equal(report.attributes["hermes.report.status"], "DELIVERED");
      assert.ok(report.startNs >= submit.endNs, "the receipt comes after the submit");
      assert.deepEqual(
        receiver.contentTypes.filter((type) => !type.startsWith("application/json")),
        [],
        "OTLP/HTTP as JSON",
      );
    } finally {
      await gw.close();
      await smsc.close();
    }
  });

  test("SMTP: the injection into KumoMTA under the attempt, and the log hook's delivery report", async () => {
    const route = await startKumoRoute({
      gateway: { tracing: { endpoint, exportIntervalMs: 50 } },
    });
    try {
      const { message } = await route.api.messages.send({ message: email("ann@example.com") });
      const id = message!.id;
      await untilTerminal(route.api.messages, id);
      const spans = await poll(
        () => {
          const found = spansOf(receiver, id);
          return found.has("hermes.report") && found.has("smtp.inject") ? found : undefined;
        },
        () => `spans of ${id}: ${[...spansOf(receiver, id).keys()].join(", ")}`,
      );
      const send = spans.get("hermes.v1.MessageService/Send");
      const inject = spans.get("smtp.inject")!;
      childOf(inject, spans.get("hermes.attempt"), "the injection");
      assert.equal(inject.kind, kind.client);
      assert.equal(inject.attributes["hermes.outcome"], "submitted");
      childOf(spans.get("hermes.report"), send, "KumoMTA's delivery record");
      assert.equal(spans.get("hermes.report")!.attributes["hermes.report.status"], "DELIVERED");
    } finally {
      await route.close();
    }
  });

  test("WASM: the plugin's calls and its provider request, which carries the traceparent onward", async () => {
    const provider = new HttpSink();
    const providerUrl = await provider.start();
    provider.answer = () => ({ status: 200, body: "prov-1" });
    const dir = mkdtempSync(join(tmpdir(), "hermes-traces-"));
    const file = join(dir, "plugin.wasm");
    writeFileSync(file, await buildPlugin());
    const gw = await startTestGateway({
      tracing: { endpoint, exportIntervalMs: 50 },
      routes: [
        {
          name: "rest",
          channel: "sms",
          adapter: "wasm",
          config: {
            file,
            config: { api_key: "k", base_url: providerUrl },
            allowHttp: true,
            workers: 1,
          },
        },
      ],
    });
    try {
      const messages = tracedClient(gw.gateway.url);
      const { message } = await messages.send({ message: sms("hello provider") });
      const id = message!.id;
      await untilStatus(messages, id, MessageStatus.SUBMITTED);
      const spans = await poll(
        () => {
          const found = spansOf(receiver, id);
          return found.has("hermes.attempt") ? found : undefined;
        },
        () => `spans of ${id}: ${[...spansOf(receiver, id).keys()].join(", ")}`,
      );
      const attempt = spans.get("hermes.attempt");
      childOf(spans.get("wasm.prepare_send"), attempt, "prepare_send");
      const http = spans.get("POST")!;
      childOf(http, attempt, "the provider request");
      assert.equal(http.kind, kind.client);
      assert.equal(http.attributes["http.response.status_code"], 200);
      assert.equal(http.attributes["server.address"], "127.0.0.1");
      childOf(spans.get("wasm.handle_response"), attempt, "handle_response");
      assert.equal(spans.get("wasm.prepare_send")!.attributes["hermes.plugin"], "test-sms@1.0.0");
      const request = provider.received.find((r) => r.body === "hello provider");
      assert.equal(
        request?.headers.traceparent,
        `00-${callerTrace}-${http.spanId}-01`,
        "the provider request's traceparent names its span",
      );
      assert.equal(spans.get("hermes.v1.MessageService/Send")!.traceId, callerTrace);
    } finally {
      await gw.close();
      await provider.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

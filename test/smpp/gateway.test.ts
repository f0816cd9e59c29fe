import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import {
  Channel,
  DeliveryEventKind,
  MessageSchema,
  MessageStatus,
  type DeliveryEvent,
  ErrorCode,
  RouteState,
} from "@hermes/runtime/contracts";
import { SmscSimulator } from "@hermes/runtime/simulators";
import {
  clients,
  startTestGateway,
  type Clients,
  type TestGateway,
} from "../support/gateway-harness.js";
import { untilTerminal } from "../support/wait.js";

const text = (to: string, body: string) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: to } },
    from: { kind: { case: "phone", value: "Hermes" } },
    content: { text: body },
  });

describe("SMS through a real gateway and the SMSC simulator", () => {
  let smsc: SmscSimulator;
  let gw: TestGateway;
  let api: Clients;

  before(async () => {
    smsc = await SmscSimulator.start({
      behaviour: {
        systemId: "hermes",
        password: "pw",
        submitIdFormat: "hex",
        receiptIdFormat: "decimal",
        receipts: [{ destination: "^4477009099", stat: "UNDELIV", err: "034" }],
      },
    });
    gw = await startTestGateway({
      routes: [
        {
          name: "carrier",
          channel: "sms",
          adapter: "smpp",
          tenants: ["acme"],
          retry: { maxAttempts: 4, initialBackoffMs: 20, maxBackoffMs: 50 },
          config: {
            host: "127.0.0.1",
            port: smsc.port,
            systemId: "hermes",
            password: "pw",
            window: 5,
            responseTimeoutMs: 150,
            reconnectInitialMs: 20,
            submitIdFormat: "hex",
            receiptIdFormat: "decimal",
          },
        },
      ],
    });
    api = clients(gw.gateway.url);
  });
  after(async () => {
    await gw.close();
    await smsc.close();
  });

  test("a receipt (hex submit id, decimal receipt id) makes the message DELIVERED", async () => {
    const { message } = await api.messages.send({
      message: text("+447700900001", "Your code is 1234"),
    });
    const events = await untilTerminal(api.messages, message!.id);
    assert.deepEqual(
      events.filter((e) => e.kind === DeliveryEventKind.STATUS).map((e) => e.status),
      [MessageStatus.ACCEPTED, MessageStatus.SUBMITTED, MessageStatus.DELIVERED],
    );
    const got = (await api.messages.getMessage({ id: message!.id })).message!;
    assert.equal(got.status, MessageStatus.DELIVERED);
    const submit = smsc.received.find((r) => r.destination === "447700900001")!;
    assert.equal(
      got.providerMessageId,
      Number(submit.id).toString(16),
      "the normalised submit_sm_resp id",
    );
    assert.equal(submit.sourceTon, 5, "an alphanumeric sender goes as TON 5");
    assert.equal(submit.sourceAddr, "Hermes");
    assert.equal(events.at(-1)!.detail.smpp_stat, "DELIVRD");
    const metrics = await (await fetch(`${gw.gateway.url}/metrics`)).text();
    assert.match(
      metrics,
      /hermes_messages_finished_total\{route="carrier",status="DELIVERED"\} [1-9]/,
      "a receipt's DELIVERED is counted on the route",
    );
  });

  test("receipts carried only in TLVs correlate too", async () => {
    smsc.configure({ receiptStyle: "tlv" });
    try {
      const { message } = await api.messages.send({
        message: text("+447700900002", "tlv receipt"),
      });
      const events = await untilTerminal(api.messages, message!.id);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    } finally {
      smsc.configure({ receiptStyle: "text" });
    }
  });

  test("a multipart message is DELIVERED once every part is, with progress for the others", async () => {
    const body = `Grüße aus Köln: ${"long text ".repeat(40)}`;
    const { message } = await api.messages.send({ message: text("+447700900003", body) });
    const events = await untilTerminal(api.messages, message!.id);
    const parts = smsc.received.filter((r) => r.destination === "447700900003");
    assert.equal(parts.length, 3);
    assert.equal(parts.map((p) => p.text).join(""), body);
    const progress = events.filter((e) => e.kind === DeliveryEventKind.PROGRESS);
    assert.equal(progress.length, 2);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    assert.equal(events.at(-1)!.detail.parts_delivered, "3");
  });

  test("a text longer than the route's part limit is refused at Send, and nothing is stored", async () => {
    const before = smsc.received.length;
    await assert.rejects(
      api.messages.send({ message: text("+447700900005", "x".repeat(1_000_000)) }),
      (error: ConnectError) => {
        assert.equal(error.code, Code.InvalidArgument);
        assert.match(
          error.rawMessage,
          /message\.content\.text.*needs \d+ SMS parts, more than this route's limit of 10/,
        );
        return true;
      },
    );
    const batch = await api.messages.sendBatch({
      messages: [text("+447700900005", "fits"), text("+447700900005", "y".repeat(2000))],
    });
    assert.equal(batch.results[0]!.result.case, "message");
    const refused = batch.results[1]!.result;
    assert.equal(refused.case === "error" && refused.value.field, "messages[1].content.text");
    await untilTerminal(api.messages, (batch.results[0]!.result.value as { id: string }).id);
    assert.equal(smsc.received.length, before + 1, "only the message that fits reached the SMSC");
  });

  test("an UNDELIV receipt fails the message with the network error", async () => {
    const { message } = await api.messages.send({
      message: text("+447700909900", "to a dead phone"),
    });
    const events = await untilTerminal(api.messages, message!.id);
    const last = events.at(-1)!;
    assert.equal(last.status, MessageStatus.FAILED);
    assert.equal(last.error?.code, ErrorCode.PROVIDER_REJECTED);
    assert.equal(last.error?.providerCode, "034");
  });

  test("a submit that times out is retried by the router and then delivered", async () => {
    smsc.configure({ silentDestinations: "^447700900004$" });
    const { message } = await api.messages.send({ message: text("+447700900004", "slow carrier") });
    const watching = untilTerminal(api.messages, message!.id);
    const deadline = Date.now() + 3000;
    while (!smsc.received.some((r) => r.destination === "447700900004") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    smsc.configure({ silentDestinations: undefined });
    const events = await watching;
    const retrying = events.find((e) => e.kind === DeliveryEventKind.RETRYING);
    assert.ok(retrying, "the timeout was retried");
    assert.equal(retrying.error?.code, ErrorCode.TIMEOUT);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    const got = (await api.messages.getMessage({ id: message!.id })).message!;
    assert.equal(got.attempts, 2);
  });

  test("an MO message arrives as an INBOUND event", async () => {
    const abort = new AbortController();
    const seen: DeliveryEvent[] = [];
    const watching = (async () => {
      try {
        for await (const { event } of api.messages.watchEvents(
          { channels: [Channel.SMS] },
          { signal: abort.signal },
        )) {
          if (event?.kind === DeliveryEventKind.INBOUND) {
            seen.push(event);
            return;
          }
        }
      } catch (reason) {
        if (!abort.signal.aborted) throw reason;
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const status = await smsc.injectMo({
      from: "+447700900555",
      to: "+447700900000",
      text: "STOP ✋",
    });
    assert.equal(status, 0);
    const timer = setTimeout(() => abort.abort(), 3000);
    await watching;
    clearTimeout(timer);
    abort.abort();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.text, "STOP ✋");
    assert.equal(seen[0]!.from?.kind.value, "+447700900555");
  });

  test("a long MO message arrives in parts and is reported once, put back together", async () => {
    const abort = new AbortController();
    const seen: DeliveryEvent[] = [];
    const body = `Please call me back about my order 42, ${"it has not arrived yet. ".repeat(12)}`;
    const watching = (async () => {
      try {
        for await (const { event } of api.messages.watchEvents(
          { channels: [Channel.SMS] },
          { signal: abort.signal },
        )) {
          if (event?.kind === DeliveryEventKind.INBOUND) seen.push(event);
          if (event?.kind === DeliveryEventKind.INBOUND && event.detail.smpp_parts) return;
        }
      } catch (reason) {
        if (!abort.signal.aborted) throw reason;
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await smsc.injectMo({ from: "+447700900556", to: "+447700900000", text: body });
    const timer = setTimeout(() => abort.abort(), 3000);
    await watching;
    clearTimeout(timer);
    abort.abort();
    assert.equal(seen.length, 1, "one inbound event, not one per part");
    assert.equal(seen[0]!.text, body);
    assert.equal(seen[0]!.detail.smpp_parts, "3");
  });

  test("AdminService reports the route UP with the carrier's counters", async () => {
    const health = await api.admin.getHealth({});
    const route = health.routes.find((r) => r.name === "carrier");
    assert.ok(route);
    assert.equal(route.state, RouteState.UP);
    assert.equal(route.detail.sessions_bound, "1");
  });
});

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema, MessageStatus, RouteState } from "@hermes/runtime/contracts";
import { SmscSimulator } from "@hermes/runtime/simulators";
import {
  clients,
  startTestGateway,
  type Clients,
  type TestGateway,
} from "../support/gateway-harness.js";
import { untilTerminal } from "../support/wait.js";
import { until } from "./support.js";

const sms = (to: string, text: string) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: to } },
    content: { text },
  });
const carrier = (name: string, port: number, extra: Record<string, unknown> = {}) => ({
  name,
  channel: "sms",
  adapter: "smpp",
  retry: { maxAttempts: 10, initialBackoffMs: 20, maxBackoffMs: 100 },
  config: {
    host: "127.0.0.1",
    port,
    systemId: "hermes",
    reconnectInitialMs: 10,
    reconnectMaxMs: 40,
    ...extra,
  },
});

describe("carrier failures through the gateway", () => {
  let primary: SmscSimulator;
  let backup: SmscSimulator;
  let gw: TestGateway;
  let api: Clients;

  before(async () => {
    primary = await SmscSimulator.start();
    backup = await SmscSimulator.start();
    gw = await startTestGateway({
      routes: [
        carrier("primary", primary.port, {
          window: 4,
          maxRestarts: 3,
          restartPeriodMs: 10_000,
          downCooldownMs: 60_000,
        }),
        carrier("backup", backup.port),
      ],
    });
    api = clients(gw.gateway.url);
  });
  after(async () => {
    await gw.close();
    await primary.close();
    await backup.close();
  });

  test("the SMSC dying mid-window loses nothing: every message is retried and delivered", async () => {
    primary.configure({ responseDelayMs: 100 });
    const sent = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api.messages.send({ message: sms(`+44770090010${i}`, `m${i}`) }),
      ),
    );
    await until(() => primary.received.length >= 4, "a full window on the wire");
    primary.dropConnections();
    primary.configure({ responseDelayMs: 0 });
    for (const { message } of sent) {
      const events = await untilTerminal(api.messages, message!.id);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED, `message ${message!.id}`);
    }
    const lost = await Promise.all(
      sent.map(({ message }) => api.messages.getMessage({ id: message!.id })),
    );
    assert.ok(
      lost.some(({ message }) => (message?.attempts ?? 0) > 1),
      "the in-flight ones were sent again",
    );
  });

  test("a carrier that keeps failing goes DOWN and new messages fail over to the next route", async () => {
    primary.configure({ maintenance: true });
    primary.dropConnections();
    await until(
      () =>
        gw.gateway.router.routes.find((r) => r.config.name === "primary")!.adapter.health()
          .state === RouteState.DOWN,
      "primary DOWN",
      5000,
    );
    const health = await api.admin.getHealth({});
    assert.equal(health.routes.find((r) => r.name === "primary")?.state, RouteState.DOWN);
    const { message } = await api.messages.send({ message: sms("+447700900200", "via backup") });
    assert.equal(message?.route, "backup");
    const events = await untilTerminal(api.messages, message!.id);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    assert.ok(backup.received.some((r) => r.destination === "447700900200"));
  });
});

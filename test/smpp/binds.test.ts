import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageStatus, RouteState } from "@hermes/runtime/contracts";
import { SmscSimulator, selfSignedCertificate, selfSignedKey } from "@hermes/runtime/simulators";
import { sendAll, sms, startCarrier, until } from "./support.js";

describe("bind modes and TLS", () => {
  test("transmitter+receiver: submits go over the transmitters, receipts come over the receiver", async () => {
    const smsc = await SmscSimulator.start({ behaviour: { systemId: "hermes" } });
    const carrier = await startCarrier({
      host: "127.0.0.1",
      port: smsc.port,
      systemId: "hermes",
      bindMode: "transmitter+receiver",
      sessions: 2,
      receivers: 1,
    });
    try {
      await until(
        () => smsc.boundSessions === 3 && carrier.adapter.health().state === RouteState.UP,
        "2 transmitters and 1 receiver bound",
      );
      assert.equal(carrier.adapter.demand(), 20, "only transmitters add window room");
      assert.equal(carrier.adapter.sessions.length, 2);
      assert.equal(carrier.adapter.health().detail?.receivers_bound, "1");
      const outcomes = await sendAll(carrier.adapter, [
        sms("+447700900001", "one"),
        sms("+447700900002", "two"),
      ]);
      assert.ok(outcomes.every((o) => o.kind === "submitted"));
      await until(() => carrier.reports.length === 2, "both receipts");
      assert.ok(carrier.reports.every((r) => r.status === MessageStatus.DELIVERED));
    } finally {
      await carrier.close();
      await smsc.close();
    }
  });

  describe("over TLS", () => {
    let smsc: SmscSimulator;
    before(async () => {
      smsc = await SmscSimulator.start({
        tls: { key: selfSignedKey, cert: selfSignedCertificate },
      });
    });
    after(() => smsc.close());

    test("the SMSC's certificate is verified by default: a self-signed one is refused", async () => {
      const carrier = await startCarrier({
        host: "127.0.0.1",
        port: smsc.port,
        systemId: "hermes",
        tls: true,
        reconnectInitialMs: 10,
        reconnectMaxMs: 20,
        maxRestarts: 100,
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(smsc.stats.binds, 0);
        assert.equal(carrier.adapter.counters.binds, 0);
        assert.notEqual(carrier.adapter.health().state, RouteState.UP);
      } finally {
        await carrier.close();
      }
    });

    test("with the carrier's CA configured the session binds and submits", async () => {
      const carrier = await startCarrier({
        host: "127.0.0.1",
        port: smsc.port,
        systemId: "hermes",
        tls: { ca: selfSignedCertificate },
      });
      try {
        const [outcome] = await sendAll(carrier.adapter, [sms("+447700900003", "over tls")]);
        assert.equal(outcome!.kind, "submitted");
        assert.equal(carrier.adapter.health().state, RouteState.UP);
      } finally {
        await carrier.close();
      }
    });
  });
});

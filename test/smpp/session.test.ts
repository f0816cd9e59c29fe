import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DeliveryEventKind, MessageStatus, ErrorCode, RouteState } from "@hermes/runtime/contracts";
import { SmscSimulator } from "@hermes/runtime/simulators";
import { sendAll, sms, startCarrier, until } from "./support.js";

const base = (port: number) => ({
  host: "127.0.0.1",
  port,
  systemId: "hermes",
  password: "secret",
  reconnectInitialMs: 20,
  reconnectMaxMs: 100,
});

describe("SMPP sessions against the SMSC simulator", () => {
  let smsc: SmscSimulator;
  before(async () => {
    smsc = await SmscSimulator.start({ behaviour: { systemId: "hermes", password: "secret" } });
  });
  after(() => smsc.close());

  test("binds, submits, and turns the receipt into DELIVERED for the submit_sm_resp id", async () => {
    const carrier = await startCarrier(base(smsc.port));
    try {
      const [outcome] = await sendAll(carrier.adapter, [sms("+447700900001", "hello")]);
      assert.equal(outcome!.kind, "submitted");
      const id = outcome!.kind === "submitted" ? outcome.providerMessageId : "";
      await until(() => carrier.reports.length > 0, "a receipt");
      const report = carrier.reports[0]!;
      assert.equal(report.kind, DeliveryEventKind.STATUS);
      assert.equal(report.status, MessageStatus.DELIVERED);
      assert.equal(report.providerMessageId, id);
      assert.equal(smsc.received.at(-1)!.text, "hello");
      assert.equal(smsc.received.at(-1)!.destination, "447700900001");
    } finally {
      await carrier.close();
    }
  });

  test("a wrong password is refused and the route does not come UP", async () => {
    const carrier = await startCarrier({ ...base(smsc.port), password: "wrong", maxRestarts: 100 });
    try {
      const refusedBefore = smsc.stats.bindsRefused;
      await until(() => smsc.stats.bindsRefused >= refusedBefore + 2, "bind retries");
      assert.notEqual(carrier.adapter.health().state, RouteState.UP);
      assert.equal(carrier.adapter.demand(), 0);
    } finally {
      await carrier.close();
    }
  });

  test("rebinds after the SMSC drops the connection and after a maintenance unbind", async () => {
    const carrier = await startCarrier(base(smsc.port));
    try {
      await until(() => carrier.adapter.sessions.length === 1, "bind");
      const binds = carrier.adapter.counters.binds;
      smsc.dropConnections();
      await until(
        () => carrier.adapter.counters.binds === binds + 1 && carrier.adapter.sessions.length === 1,
        "rebind after drop",
      );
      smsc.unbindAll();
      await until(
        () => carrier.adapter.counters.binds === binds + 2 && carrier.adapter.sessions.length === 1,
        "rebind after unbind",
      );
      const [outcome] = await sendAll(carrier.adapter, [sms("+447700900002", "after rebind")]);
      assert.equal(outcome!.kind, "submitted");
    } finally {
      await carrier.close();
    }
  });

  test("the window is never exceeded, demand reflects it, and every message completes", async () => {
    smsc.configure({ responseDelayMs: 15 });
    smsc.stats.maxInFlight = 0;
    const carrier = await startCarrier({ ...base(smsc.port), window: 4 });
    try {
      await until(() => carrier.adapter.demand() === 4, "bind");
      const messages = Array.from({ length: 40 }, (_, i) =>
        sms(`+4477009001${String(i).padStart(2, "0")}`, `m${i}`),
      );
      let maxOutstanding = 0;
      const sending = sendAll(carrier.adapter, messages);
      const watch = setInterval(
        () => (maxOutstanding = Math.max(maxOutstanding, 4 - carrier.adapter.demand())),
        1,
      );
      const outcomes = await sending;
      clearInterval(watch);
      assert.ok(outcomes.every((o) => o.kind === "submitted"));
      assert.equal(
        smsc.stats.maxInFlight,
        4,
        "the SMSC saw at most (and at some point exactly) 4 unanswered submits",
      );
      assert.ok(maxOutstanding <= 4);
    } finally {
      smsc.configure({ responseDelayMs: 0 });
      await carrier.close();
    }
  });

  test("a long text is split (UDH) on one window and still never exceeds it", async () => {
    smsc.configure({ responseDelayMs: 10 });
    smsc.stats.maxInFlight = 0;
    const carrier = await startCarrier({ ...base(smsc.port), window: 2 });
    try {
      const text = "x".repeat(153 * 4 + 1);
      const [outcome] = await sendAll(carrier.adapter, [sms("+447700900200", text)]);
      assert.equal(outcome!.kind, "submitted");
      assert.equal(outcome!.kind === "submitted" && outcome.extraProviderIds?.length, 4);
      assert.ok(smsc.stats.maxInFlight <= 2);
      const parts = smsc.received.filter((r) => r.destination === "447700900200");
      assert.equal(parts.length, 5);
      assert.equal(parts.map((p) => p.text).join(""), text);
    } finally {
      smsc.configure({ responseDelayMs: 0 });
      await carrier.close();
    }
  });

  test("permanent errors fail with the SMSC's code; addressed failures only hit their numbers", async () => {
    smsc.configure({ failures: [{ destination: "^4477009003", status: 0x0b }] });
    const carrier = await startCarrier(base(smsc.port));
    try {
      const [bad, good] = await sendAll(carrier.adapter, [
        sms("+447700900300", "bad"),
        sms("+447700900400", "good"),
      ]);
      assert.equal(bad!.kind, "failed");
      if (bad!.kind === "failed") {
        assert.equal(bad.error.code, ErrorCode.INVALID_RECIPIENT);
        assert.equal(bad.error.retryable, false);
        assert.equal(bad.error.providerCode, "0x0000000b");
        assert.match(bad.error.message, /ESME_RINVDSTADR/);
      }
      assert.equal(good!.kind, "submitted");
    } finally {
      smsc.configure({ failures: [] });
      await carrier.close();
    }
  });

  test("temporary errors are resubmitted a limited number of times, then fail retryably; ESME_RMSGQFUL counts as throttling", async () => {
    smsc.configure({
      failures: [
        { destination: "^447700901500$", status: 0x08 },
        { destination: "^447700901501$", status: 0x14 },
      ],
    });
    const carrier = await startCarrier({
      ...base(smsc.port),
      temporaryRetries: 2,
      temporaryRetryDelayMs: 5,
      maxThrottleRetries: 1,
      throttlePauseMs: 20,
    });
    try {
      const [temporary, queueFull] = await sendAll(carrier.adapter, [
        sms("+447700901500", "sys err"),
        sms("+447700901501", "queue full"),
      ]);
      assert.equal(
        smsc.received.filter((r) => r.destination === "447700901500").length,
        3,
        "first try and two resubmits",
      );
      assert.equal(
        temporary!.kind === "failed" && temporary.error.code,
        ErrorCode.PROVIDER_UNAVAILABLE,
      );
      assert.equal(temporary!.kind === "failed" && temporary.error.retryable, true);
      assert.equal(temporary!.kind === "failed" && temporary.error.providerCode, "0x00000008");
      assert.equal(smsc.received.filter((r) => r.destination === "447700901501").length, 2);
      assert.equal(queueFull!.kind === "failed" && queueFull.error.code, ErrorCode.THROTTLED);
      assert.equal(queueFull!.kind === "failed" && queueFull.error.retryAfterMs, 20);
      assert.ok(carrier.adapter.bucket.throttles > 0);
    } finally {
      smsc.configure({ failures: [] });
      await carrier.close();
    }
  });

  test("ESME_RTHROTTLED backs the token bucket off, then every message gets through", async () => {
    smsc.configure({ throttleRate: 20 });
    const carrier = await startCarrier({
      ...base(smsc.port),
      window: 10,
      throttlePauseMs: 100,
      maxThrottleRetries: 50,
    });
    try {
      const outcomes = await sendAll(
        carrier.adapter,
        Array.from({ length: 30 }, (_, i) => sms(`+44770090050${i % 10}`, `t${i}`)),
      );
      assert.ok(smsc.stats.throttled > 0, "the SMSC throttled");
      assert.ok(carrier.adapter.counters.throttled > 0);
      assert.ok(carrier.adapter.bucket.throttles > 0, "the bucket backed off");
      assert.deepEqual(new Set(outcomes.map((o) => o.kind)), new Set(["submitted"]));
    } finally {
      smsc.configure({ throttleRate: 0 });
      await carrier.close();
    }
  });

  test("an unanswered submit times out retryably with the duplicate risk counted, and frees its slot", async () => {
    smsc.configure({ silentDestinations: "^4477009006" });
    const carrier = await startCarrier({ ...base(smsc.port), window: 1, responseTimeoutMs: 100 });
    try {
      const [lost, next] = await sendAll(carrier.adapter, [
        sms("+447700900600", "silent"),
        sms("+447700900700", "next"),
      ]);
      assert.equal(lost!.kind, "failed");
      if (lost!.kind === "failed") {
        assert.equal(lost.error.code, ErrorCode.TIMEOUT);
        assert.equal(lost.error.retryable, true);
        assert.equal(lost.detail?.duplicate_risk, "true");
      }
      assert.equal(next!.kind, "submitted", "the window slot was freed");
      assert.equal(carrier.adapter.counters.duplicateRisk, 1);
    } finally {
      smsc.configure({ silentDestinations: undefined });
      await carrier.close();
    }
  });

  test("an unanswered enquire_link drops the session and it reconnects", async () => {
    const carrier = await startCarrier({
      ...base(smsc.port),
      enquireLinkIntervalMs: 30,
      enquireLinkTimeoutMs: 60,
    });
    try {
      await until(() => carrier.adapter.sessions.length === 1, "bind");
      const binds = carrier.adapter.counters.binds;
      smsc.configure({ answerEnquireLink: false });
      await until(() => carrier.adapter.sessions.length === 0, "the dead link detected");
      smsc.configure({ answerEnquireLink: true });
      await until(
        () => carrier.adapter.counters.binds > binds && carrier.adapter.sessions.length === 1,
        "rebind",
      );
    } finally {
      smsc.configure({ answerEnquireLink: true });
      await carrier.close();
    }
  });

  test("nothing is lost when the SMSC dies mid-window: every in-flight message fails retryably", async () => {
    smsc.configure({ responseDelayMs: 200 });
    const carrier = await startCarrier({ ...base(smsc.port), window: 8, maxRestarts: 50 });
    try {
      await until(() => carrier.adapter.demand() === 8, "bind");
      const sending = Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          carrier.adapter.send(sms(`+44770090080${i}`, `w${i}`), 1),
        ),
      );
      await until(
        () => smsc.received.filter((r) => r.destination.startsWith("44770090080")).length === 8,
        "8 submits on the wire",
      );
      smsc.dropConnections();
      const outcomes = await sending;
      for (const outcome of outcomes) {
        assert.equal(outcome.kind, "failed");
        if (outcome.kind === "failed") {
          assert.equal(outcome.error.code, ErrorCode.CONNECTION_LOST);
          assert.equal(outcome.error.retryable, true);
          assert.equal(outcome.detail?.duplicate_risk, "true");
        }
      }
      assert.equal(carrier.adapter.counters.duplicateRisk, 8);
    } finally {
      smsc.configure({ responseDelayMs: 0 });
      await carrier.close();
    }
  });

  test("stop drains the window: submits already in flight are answered, then the session unbinds", async () => {
    smsc.configure({ responseDelayMs: 80 });
    const carrier = await startCarrier({ ...base(smsc.port), window: 5 });
    try {
      await until(() => carrier.adapter.demand() === 5, "bind");
      const unbinds = smsc.stats.unbinds;
      const sending = Promise.all(
        Array.from({ length: 3 }, (_, i) =>
          carrier.adapter.send(sms(`+44770090110${i}`, `d${i}`), 1),
        ),
      );
      await until(
        () => smsc.received.filter((r) => r.destination.startsWith("44770090110")).length === 3,
        "on the wire",
      );
      await carrier.adapter.stop();
      const outcomes = await sending;
      assert.deepEqual(
        outcomes.map((o) => o.kind),
        ["submitted", "submitted", "submitted"],
      );
      assert.equal(smsc.stats.unbinds, unbinds + 1, "a graceful unbind, not a dropped connection");
      assert.equal(carrier.adapter.demand(), 0);
    } finally {
      smsc.configure({ responseDelayMs: 0 });
      await carrier.close();
    }
  });

  test("submit_sm carries TON/NPI, validity period, priority and registered_delivery", async () => {
    const carrier = await startCarrier({ ...base(smsc.port), sourceAddress: "12345" });
    try {
      const expiresAt = new Date(Date.now() + 3600_000);
      await sendAll(carrier.adapter, [
        sms("+447700901200", "fields", { priority: 9, expiresAt }),
        sms("+447700901201", "fields", { from: "+447700900000" }),
      ]);
      const [first, second] = ["447700901200", "447700901201"].map(
        (d) => smsc.received.find((r) => r.destination === d)!,
      );
      assert.equal(first!.sourceAddr, "12345");
      assert.equal(first!.sourceTon, 3, "a short code is network specific");
      assert.equal(first!.destTon, 1);
      assert.equal(first!.priority, 3);
      assert.equal(first!.registeredDelivery, 1);
      assert.notEqual(first!.validityPeriod, "");
      assert.equal(second!.sourceAddr, "447700900000");
      assert.equal(second!.sourceTon, 1);
      assert.equal(second!.sourceNpi, 1);
    } finally {
      await carrier.close();
    }
  });

  test("data_coding on the wire: GSM 0x00 by default, UCS2 0x08 when needed, Latin-1 0x03 when the carrier prefers it", async () => {
    const gsm = await startCarrier(base(smsc.port));
    const latin1 = await startCarrier({ ...base(smsc.port), alphabet: "latin1" });
    try {
      await sendAll(gsm.adapter, [
        sms("+447700901300", "Grüße aus Köln"),
        sms("+447700901301", "Привет, мир"),
      ]);
      await sendAll(latin1.adapter, [
        sms("+447700901302", "Déjà vu, café"),
        sms("+447700901303", "5€ only"),
      ]);
      const got = (d: string) => smsc.received.find((r) => r.destination === d)!;
      assert.deepEqual(
        [got("447700901300").dataCoding, got("447700901300").text],
        [0x00, "Grüße aus Köln"],
      );
      assert.deepEqual(
        [got("447700901301").dataCoding, got("447700901301").text],
        [0x08, "Привет, мир"],
      );
      assert.deepEqual(
        [got("447700901302").dataCoding, got("447700901302").text],
        [0x03, "Déjà vu, café"],
      );
      assert.equal(got("447700901303").dataCoding, 0x08, "€ is not Latin-1");
    } finally {
      await gsm.close();
      await latin1.close();
    }
  });

  test("long texts on the wire: 16-bit UDH, SAR TLVs, or one message_payload, as the carrier is configured", async () => {
    const text = "0123456789".repeat(35);
    const udh16 = await startCarrier({ ...base(smsc.port), udhReference: 16 });
    const sar = await startCarrier({ ...base(smsc.port), longMessage: "sar" });
    const payload = await startCarrier({ ...base(smsc.port), longMessage: "payload" });
    try {
      await sendAll(udh16.adapter, [sms("+447700901400", text)]);
      await sendAll(sar.adapter, [sms("+447700901401", text)]);
      await sendAll(payload.adapter, [sms("+447700901402", text)]);
      const parts = (d: string) => smsc.received.filter((r) => r.destination === d);
      assert.deepEqual(
        parts("447700901400").map((p) => [
          ...p.udh!.subarray(0, 3),
          p.udh![5],
          p.udh![6],
          p.esmClass,
        ]),
        [
          [0x06, 0x08, 0x04, 3, 1, 0x40],
          [0x06, 0x08, 0x04, 3, 2, 0x40],
          [0x06, 0x08, 0x04, 3, 3, 0x40],
        ],
      );
      assert.deepEqual(
        parts("447700901401").map((p) => [p.sar?.total, p.sar?.seq, p.udh]),
        [
          [3, 1, undefined],
          [3, 2, undefined],
          [3, 3, undefined],
        ],
      );
      assert.equal(
        new Set(parts("447700901401").map((p) => p.sar?.ref)).size,
        1,
        "one reference for all parts",
      );
      const [single] = parts("447700901402");
      assert.equal(parts("447700901402").length, 1);
      assert.ok(single!.payload);
      for (const d of ["447700901400", "447700901401", "447700901402"])
        assert.equal(
          parts(d)
            .map((p) => p.text)
            .join(""),
          text,
        );
    } finally {
      await udh16.close();
      await sar.close();
      await payload.close();
    }
  });

  test("too many restarts mark the carrier DOWN; it comes back after the cooldown", async () => {
    smsc.configure({ maintenance: true });
    const carrier = await startCarrier({
      ...base(smsc.port),
      maxRestarts: 2,
      restartPeriodMs: 5000,
      reconnectInitialMs: 5,
      reconnectMaxMs: 10,
      downCooldownMs: 300,
    });
    try {
      await until(() => carrier.adapter.health().state === RouteState.DOWN, "DOWN");
      assert.match(carrier.adapter.health().reason ?? "", /too many restarts/);
      smsc.configure({ maintenance: false });
      await until(
        () => carrier.adapter.health().state === RouteState.UP,
        "UP again after the cooldown",
      );
    } finally {
      smsc.configure({ maintenance: false });
      await carrier.close();
    }
  });
});

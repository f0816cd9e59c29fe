import { test } from "node:test";
import assert from "node:assert/strict";
import smpp, { type PDU } from "smpp";
import { startBenchSmsc } from "@hermes/runtime/simulators";
import { sendAll, sms, startCarrier, until } from "./support.js";

/**
 * The message path must not pay for npm `smpp`'s generic codec. The
 * benchmark SMSC runs in its own process, so every smpp encode or decode in
 * this one is the driver's: after the bind there must be none, through
 * submits, receipts and enquire_links both ways.
 */
test("after the bind, submits, receipts and enquire_links never go through npm smpp's codec", async () => {
  const smsc = await startBenchSmsc({ receipts: "both" });
  const prototype = smpp.PDU.prototype as unknown as {
    toBuffer(): Buffer;
    fromBuffer(buffer: Buffer): void;
  };
  const { toBuffer, fromBuffer } = prototype;
  const calls: string[] = [];
  prototype.toBuffer = function (this: PDU) {
    calls.push(`encode ${this.command}`);
    return toBuffer.call(this);
  };
  prototype.fromBuffer = function (this: PDU, buffer: Buffer) {
    calls.push(`decode 0x${buffer.readUInt32BE(4).toString(16)}`);
    return fromBuffer.call(this, buffer);
  };
  const carrier = await startCarrier({
    host: "127.0.0.1",
    port: smsc.port,
    systemId: "hot",
    window: 20,
    enquireLinkIntervalMs: 20,
  });
  try {
    await until(() => carrier.adapter.demand() > 0, "bind");
    assert.deepEqual(calls, ["encode bind_transceiver", "decode 0x80000009"], "the bind itself");
    calls.length = 0;
    const outcomes = await sendAll(
      carrier.adapter,
      Array.from({ length: 100 }, (_, i) => sms(`+4477009${String(i).padStart(5, "0")}`, "hi")),
    );
    assert.ok(outcomes.every((o) => o.kind === "submitted"));
    await until(() => carrier.reports.length === 100, "every receipt reported");
    // Until every receipt is answered and a few enquire_links have gone each way.
    const deadline = Date.now() + 5000;
    let stats = await smsc.stats();
    while (stats.receiptsAcked < 100 || stats.enquireLinks < 3) {
      assert.ok(Date.now() < deadline, `timed out: ${JSON.stringify(stats)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      stats = await smsc.stats();
    }
    assert.equal(stats.submits, 100);
    assert.deepEqual(calls, []);
  } finally {
    await carrier.close();
    prototype.toBuffer = toBuffer;
    prototype.fromBuffer = fromBuffer;
    await smsc.close();
  }
});

// Messages sent for later, end to end through the SMSC simulator: send_at
// holds a message QUEUED until its time, quiet hours hold it until they end
// in the recipient's zone, a held message can be cancelled, and what is held
// survives a restart.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { DeliveryEventKind, ErrorCode, MessageStatus } from "@hermes/runtime/contracts";
import {
  type ChannelGateway,
  email,
  sms,
  startChannelGateway,
} from "../support/channel-gateway.js";
import { untilTerminal } from "../support/wait.js";

/** When the SMSC first received a submit to `to` (ms), or undefined. */
function receivedAt(fixture: ChannelGateway, to: string): number | undefined {
  return fixture.smsc.received.find((r) => r.destination === to.replace("+", ""))?.at;
}

describe("send_at", () => {
  let fixture: ChannelGateway;
  before(async () => {
    fixture = await startChannelGateway();
  });
  after(() => fixture.close());

  test("a message waits QUEUED until its send_at, says when it goes, then is delivered", async () => {
    const sendAt = Date.now() + 1500;
    const { message } = await fixture.api.messages.send({
      message: { ...sms("+447700900201"), sendAt: timestampFromMs(sendAt) },
    });
    assert.equal(message?.status, MessageStatus.QUEUED);
    assert.equal(timestampDate(message!.nextAttemptAt!).getTime(), sendAt);
    const stored = await fixture.api.messages.getMessage({ id: message!.id });
    assert.equal(stored.message?.status, MessageStatus.QUEUED);
    assert.equal(timestampDate(stored.message!.nextAttemptAt!).getTime(), sendAt);
    assert.deepEqual(stored.events[0]?.detail, { scheduled: "send_at" });
    const events = await untilTerminal(fixture.api.messages, message!.id, 15_000);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    const at = receivedAt(fixture, "+447700900201");
    assert.ok(at !== undefined && at >= sendAt, "the SMSC got it at its time, not before");
  });

  test("a held message can be cancelled until it leaves, and then never leaves", async () => {
    const { message } = await fixture.api.messages.send({
      message: { ...sms("+447700900202"), sendAt: timestampFromMs(Date.now() + 800) },
    });
    const { message: cancelled } = await fixture.api.messages.cancelMessage({ id: message!.id });
    assert.equal(cancelled?.status, MessageStatus.REJECTED);
    assert.equal(cancelled?.error?.code, ErrorCode.CANCELLED);
    assert.equal(cancelled?.nextAttemptAt, undefined);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(receivedAt(fixture, "+447700900202"), undefined);
  });

  test("held messages survive a restart: one still due later, and one that came due while down", async () => {
    const soon = await fixture.api.messages.send({
      message: { ...sms("+447700900203"), sendAt: timestampFromMs(Date.now() + 300) },
    });
    const later = await fixture.api.messages.send({
      message: { ...sms("+447700900204"), sendAt: timestampFromMs(Date.now() + 2500) },
    });
    // Down while the first comes due: it goes once the gateway is back, not before.
    const restartedAt = await fixture.restart(800);
    for (const { message } of [soon, later]) {
      const events = await untilTerminal(fixture.api.messages, message!.id, 15_000);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    }
    assert.ok(receivedAt(fixture, "+447700900203")! >= restartedAt);
    assert.ok(
      receivedAt(fixture, "+447700900204")! >= timestampDate(later.message!.sendAt!).getTime(),
    );
  });
});

describe("quiet hours", () => {
  let fixture: ChannelGateway;
  let closesAt: number;
  before(async () => {
    // Quiet hours that began a minute ago in London and end six seconds from now.
    closesAt = Date.now() + 6000;
    fixture = await startChannelGateway({
      tenants: {
        acme: {
          quietHours: {
            start: londonTime(closesAt - 63_000),
            end: londonTime(closesAt),
            channels: ["sms"],
          },
        },
      },
    });
  });
  after(() => fixture.close());

  test("an SMS to a UK number waits for the end of quiet hours in London, then is delivered", async () => {
    const { message } = await fixture.api.messages.send({ message: sms("+447700900301") });
    assert.equal(message?.status, MessageStatus.QUEUED);
    const goes = timestampDate(message!.nextAttemptAt!).getTime();
    assert.equal(goes, Math.floor(closesAt / 1000) * 1000);
    const { events } = await fixture.api.messages.getMessage({ id: message!.id });
    assert.deepEqual(events[0]?.detail, { scheduled: "quiet_hours", time_zone: "Europe/London" });
    const done = await untilTerminal(fixture.api.messages, message!.id, 20_000);
    assert.equal(done.at(-1)!.status, MessageStatus.DELIVERED);
    assert.ok(receivedAt(fixture, "+447700900301")! >= goes);
  });

  test("ignore_quiet_hours, and channels the quiet hours leave alone, go at once", async () => {
    const urgent = await fixture.api.messages.send({
      message: { ...sms("+447700900302"), ignoreQuietHours: true },
    });
    assert.equal(urgent.message?.status, MessageStatus.ACCEPTED);
    const mail = await fixture.api.messages.send({ message: email("ann@example.com") });
    assert.equal(mail.message?.status, MessageStatus.ACCEPTED);
    for (const { message } of [urgent, mail]) {
      const events = await untilTerminal(fixture.api.messages, message!.id, 15_000);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
      assert.ok(events.every((e) => e.kind !== DeliveryEventKind.RETRYING));
    }
  });
});

/** London's wall clock at `t`, as "HH:MM:SS". */
function londonTime(t: number): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London",
    hourCycle: "h23",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).format(t);
}

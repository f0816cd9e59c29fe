// Cascades end to end through the SMSC and KumoMTA simulators: an SMS that
// fails falls back to email, a step not delivered in time moves on, a
// delivered step cancels the rest, a step never goes to a suppressed
// address, a cascade can be cancelled, and one cut by a restart continues
// where it was, its timers included.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  CascadeStepState,
  Channel,
  ErrorCode,
  type Message,
  MessageSchema,
  MessageStatus,
} from "@hermes/runtime/contracts";
import { type ChannelGateway, numbers, startChannelGateway } from "../support/channel-gateway.js";
import { poll, untilTerminal } from "../support/wait.js";

const phone = (value: string) => ({ kind: { case: "phone" as const, value } });
const mailbox = (value: string) => ({ kind: { case: "email" as const, value } });
const content = { text: "Your parcel is here", subject: "Your parcel" };

/** A cascade over `steps`: SMS to a number, then email to an address, with optional timeouts. */
function cascade(
  steps: Array<{ channel: Channel; to: string; timeoutSeconds?: number }>,
  extra: MessageInitShape<typeof MessageSchema> = {},
): Message {
  return create(MessageSchema, {
    content,
    cascade: {
      steps: steps.map((s) => ({
        channel: s.channel,
        to: s.channel === Channel.SMS ? phone(s.to) : mailbox(s.to),
        timeoutSeconds: s.timeoutSeconds ?? 0,
      })),
    },
    ...extra,
  } as MessageInitShape<typeof MessageSchema>);
}

const mailTo = (fixture: ChannelGateway, address: string) =>
  fixture.kumo.spool.messages.filter((m) => m.recipient === address);

describe("cascades", () => {
  let fixture: ChannelGateway;
  before(async () => {
    fixture = await startChannelGateway({
      tenants: {
        acme: {
          cascades: {
            notify: [{ channel: "sms", timeoutSeconds: 1 }, { channel: "email" }],
          },
        },
      },
    });
  });
  after(() => fixture.close());

  async function chainOf(id: string) {
    const { message, cascade, events } = await fixture.api.messages.getMessage({ id });
    return { message: message!, steps: cascade!.steps, events };
  }

  test("an SMS that fails falls back to email; the parent is DELIVERED and GetMessage shows the chain", async () => {
    const { message } = await fixture.api.messages.send({
      message: cascade([
        { channel: Channel.SMS, to: numbers.undeliverable },
        { channel: Channel.EMAIL, to: "fallback@example.com" },
      ]),
    });
    assert.equal(message?.status, MessageStatus.ACCEPTED);
    assert.equal(message?.route, "");
    const events = await untilTerminal(fixture.api.messages, message!.id, 15_000);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    // Step 1 is named on the parent's first event, step 2 on the event that starts it.
    const started = events.filter((e) => e.detail.step_channel);
    assert.deepEqual(
      started.map((e) => [e.detail.cascade_step, e.detail.step_channel]),
      [
        ["1", "SMS"],
        ["2", "EMAIL"],
      ],
      "WatchEvents reports each step on the parent",
    );
    const { steps } = await chainOf(message!.id);
    assert.deepEqual(
      steps.map((s) => [
        s.step,
        Channel[s.channel],
        CascadeStepState[s.state],
        MessageStatus[s.status],
      ]),
      [
        [1, "SMS", "FAILED", "FAILED"],
        [2, "EMAIL", "DELIVERED", "DELIVERED"],
      ],
    );
    const sms = await fixture.api.messages.getMessage({ id: steps[0]!.messageId });
    assert.equal(
      sms.message?.parentId,
      message!.id,
      "a step is a child message linked to its parent",
    );
    assert.equal(sms.message?.cascadeStep, 1);
    assert.equal(sms.message?.content?.subject, "", "SMS takes the text only");
    assert.equal(sms.cascade?.parentId, message!.id, "a step's GetMessage shows its cascade too");
    assert.equal(mailTo(fixture, "fallback@example.com").length, 1);
  });

  test("a step not delivered in time moves on; its message is left to its fate", async () => {
    const sentAt = Date.now();
    const { message } = await fixture.api.messages.send({
      message: cascade([
        { channel: Channel.SMS, to: numbers.neverFinal, timeoutSeconds: 1 },
        { channel: Channel.EMAIL, to: "timeout@example.com" },
      ]),
    });
    const events = await untilTerminal(fixture.api.messages, message!.id, 15_000);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    const second = events.find((e) => e.detail.cascade_step === "2" && e.detail.step_channel)!;
    assert.equal(second.detail.reason, "step 1 was not delivered in time");
    assert.ok(timestampDate(second.time!).getTime() >= sentAt + 1000, "not before the timeout");
    const { steps } = await chainOf(message!.id);
    assert.deepEqual(
      steps.map((s) => [CascadeStepState[s.state], MessageStatus[s.status]]),
      [
        ["TIMED_OUT", "SUBMITTED"],
        ["DELIVERED", "DELIVERED"],
      ],
    );
  });

  test("a late receipt for a timed-out step is history: it does not start the next step again", async () => {
    fixture.smsc.configure({ receiptDelayMs: 1500 });
    try {
      const { message } = await fixture.api.messages.send({
        message: cascade([
          { channel: Channel.SMS, to: "+447700909902", timeoutSeconds: 1 },
          { channel: Channel.SMS, to: numbers.neverFinal, timeoutSeconds: 5 },
          { channel: Channel.EMAIL, to: "third@example.com" },
        ]),
      });
      // Step 1 times out at 1 s and step 2 starts; step 1's UNDELIV receipt comes at 1.5 s.
      const steps = await poll(
        async () => {
          const { steps } = await chainOf(message!.id);
          return steps[0]!.status === MessageStatus.FAILED && steps;
        },
        () => "step 1's late receipt never came",
        4000,
      );
      assert.deepEqual(
        steps.map((s) => [CascadeStepState[s.state], MessageStatus[s.status]]),
        [
          ["TIMED_OUT", "FAILED"],
          ["RUNNING", "SUBMITTED"],
          ["PENDING", "UNSPECIFIED"],
        ],
        "the late failure is recorded on step 1 and starts nothing",
      );
      const events = await untilTerminal(fixture.api.messages, message!.id, 15_000);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
      const third = events.find((e) => e.detail.cascade_step === "3" && e.detail.step_channel)!;
      assert.equal(third.detail.reason, "step 2 was not delivered in time");
      assert.equal(mailTo(fixture, "third@example.com").length, 1);
    } finally {
      fixture.smsc.configure({ receiptDelayMs: 20 });
    }
  });

  test("a delivered step cancels every later step", async () => {
    const { message } = await fixture.api.messages.send({
      message: cascade([
        { channel: Channel.SMS, to: "+447700900501", timeoutSeconds: 30 },
        { channel: Channel.EMAIL, to: "never-a@example.com" },
        { channel: Channel.EMAIL, to: "never-b@example.com" },
      ]),
    });
    const events = await untilTerminal(fixture.api.messages, message!.id, 15_000);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    assert.equal(events.at(-1)!.detail.cascade_step, "1");
    const { steps } = await chainOf(message!.id);
    assert.deepEqual(
      steps.map((s) => [CascadeStepState[s.state], s.messageId !== ""]),
      [
        ["DELIVERED", true],
        ["CANCELLED", false],
        ["CANCELLED", false],
      ],
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(
      mailTo(fixture, "never-a@example.com").length + mailTo(fixture, "never-b@example.com").length,
      0,
    );
  });

  test("no step goes to a suppressed address: it is REJECTED and the cascade moves on", async () => {
    await fixture.smsc.injectMo({ from: "+447700900502", to: "40404", text: "STOP" });
    const { message } = await fixture.api.messages.send({
      message: cascade([
        { channel: Channel.SMS, to: "+447700900502" },
        { channel: Channel.EMAIL, to: "stopped-sms@example.com" },
      ]),
    });
    const events = await untilTerminal(fixture.api.messages, message!.id, 15_000);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    const { steps } = await chainOf(message!.id);
    assert.equal(steps[0]!.status, MessageStatus.REJECTED);
    const sms = await fixture.api.messages.getMessage({ id: steps[0]!.messageId });
    assert.equal(sms.message?.error?.code, ErrorCode.SUPPRESSED);
    assert.equal(fixture.smsc.received.filter((r) => r.destination === "447700900502").length, 0);
  });

  test("a tenant's policy names the steps; the message gives the addresses", async () => {
    const { message } = await fixture.api.messages.send({
      message: create(MessageSchema, {
        content,
        to: phone(numbers.undeliverable),
        cascade: { policy: "notify", addresses: [mailbox("policy@example.com")] },
      }),
    });
    const events = await untilTerminal(fixture.api.messages, message!.id, 15_000);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    assert.equal(events[0]!.detail.cascade_policy, "notify");
    const { steps } = await chainOf(message!.id);
    assert.deepEqual(
      steps.map((s) => [Channel[s.channel], s.to?.kind.value, s.timeoutSeconds]),
      [
        ["SMS", numbers.undeliverable, 1],
        ["EMAIL", "policy@example.com", 0],
      ],
    );
  });

  test("cancelling a cascade cancels what has not left and rejects the parent", async () => {
    const { message } = await fixture.api.messages.send({
      message: cascade(
        [
          { channel: Channel.SMS, to: "+447700900503" },
          { channel: Channel.EMAIL, to: "cancelled@example.com" },
        ],
        { sendAt: timestampFromMs(Date.now() + 60_000) },
      ),
    });
    assert.equal(message?.status, MessageStatus.QUEUED, "a cascade can be sent for later");
    const { message: cancelled } = await fixture.api.messages.cancelMessage({ id: message!.id });
    assert.equal(cancelled?.status, MessageStatus.REJECTED);
    assert.equal(cancelled?.error?.code, ErrorCode.CANCELLED);
    const { steps } = await chainOf(message!.id);
    assert.deepEqual(
      steps.map((s) => CascadeStepState[s.state]),
      ["CANCELLED", "CANCELLED"],
    );
  });

  test("a restart mid-cascade: the running step's deadline and a cascade due later survive", async () => {
    const running = await fixture.api.messages.send({
      message: cascade([
        { channel: Channel.SMS, to: numbers.neverFinal, timeoutSeconds: 2 },
        { channel: Channel.EMAIL, to: "after-restart@example.com" },
      ]),
    });
    const later = await fixture.api.messages.send({
      message: cascade([{ channel: Channel.EMAIL, to: "later-after-restart@example.com" }], {
        sendAt: timestampFromMs(Date.now() + 1500),
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { steps } = await chainOf(running.message!.id);
    assert.equal(
      steps[0]!.state,
      CascadeStepState.RUNNING,
      "step 1 is on its way when the gateway stops",
    );
    const deadline = timestampDate(steps[0]!.deadline!).getTime();
    await fixture.restart(500);
    for (const { message } of [running, later]) {
      const events = await untilTerminal(fixture.api.messages, message!.id, 20_000);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED, message!.id);
    }
    const mail = mailTo(fixture, "after-restart@example.com");
    assert.equal(mail.length, 1, "step 2 ran once");
    const after = await chainOf(running.message!.id);
    assert.deepEqual(
      after.steps.map((s) => CascadeStepState[s.state]),
      ["TIMED_OUT", "DELIVERED"],
    );
    const second = after.events.find(
      (e) => e.detail.cascade_step === "2" && e.detail.step_channel,
    )!;
    assert.ok(timestampDate(second.time!).getTime() >= deadline, "not before step 1's deadline");
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { CascadeStepSchema, Channel, MessageSchema } from "../gen/hermes/v1/message_pb.js";
import { planCascade, stepMessage } from "./cascade-plan.js";

const limits = { maxMessageBytes: 64 * 1024 };
const policies = {
  notify: [
    { channel: Channel.CHAT, timeoutSeconds: 300 },
    { channel: Channel.SMS, timeoutSeconds: 600 },
    { channel: Channel.EMAIL, timeoutSeconds: 0 },
  ],
};
const phone = (value: string) => ({ kind: { case: "phone" as const, value } });
const mailbox = (value: string) => ({ kind: { case: "email" as const, value } });
const message = (init: MessageInitShape<typeof MessageSchema>) =>
  create(MessageSchema, {
    content: { text: "Your parcel is here", html: "<p>Your parcel is here</p>", subject: "Parcel" },
    ...init,
  } as MessageInitShape<typeof MessageSchema>);

function refused(run: () => unknown, field: string, text?: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof HermesError, String(e));
    assert.equal(e.code, ErrorCode.INVALID_ARGUMENT);
    assert.equal(e.field, field);
    if (text) assert.match(e.message, text);
    return true;
  });
}

test("inline steps take their own address, or the first of the message's that fits", () => {
  const plan = planCascade(
    message({
      to: phone("+447700900123"),
      cascade: {
        steps: [
          { channel: Channel.SMS, timeoutSeconds: 60 },
          { channel: Channel.EMAIL, to: mailbox("ann@example.com") },
        ],
      },
    }),
    {},
    limits,
  );
  assert.deepEqual(
    plan.steps.map((s) => [Channel[s.channel], s.to?.kind.value, s.timeoutSeconds]),
    [
      ["SMS", "+447700900123", 60],
      ["EMAIL", "ann@example.com", 0],
    ],
  );
  assert.equal(plan.skipped.size, 0);
});

test("a policy's steps take the message's addresses; a step with none is skipped", () => {
  const plan = planCascade(
    message({
      cascade: {
        policy: "notify",
        addresses: [mailbox("ann@example.com"), phone("+447700900123")],
      },
    }),
    policies,
    limits,
  );
  assert.deepEqual(
    plan.steps.map((s) => [Channel[s.channel], s.to?.kind.value, s.timeoutSeconds]),
    [
      ["CHAT", undefined, 300],
      ["SMS", "+447700900123", 600],
      ["EMAIL", "ann@example.com", 0],
    ],
  );
  assert.match(plan.skipped.get(0)!.message, /no chat_id among the message's addresses for CHAT/);
  refused(
    () => planCascade(message({ cascade: { policy: "notify", addresses: [] } }), policies, limits),
    "cascade.addresses",
  );
});

test("a bad cascade is refused, naming the field", () => {
  const sms = { channel: Channel.SMS, to: phone("+447700900123") };
  refused(
    () => planCascade(message({ channel: Channel.SMS, cascade: { steps: [sms] } }), {}, limits),
    "channel",
  );
  refused(() => planCascade(message({ cascade: {} }), {}, limits), "cascade.steps");
  refused(
    () => planCascade(message({ cascade: { policy: "nope" } }), policies, limits),
    "cascade.policy",
    /notify/,
  );
  refused(
    () => planCascade(message({ cascade: { policy: "notify", steps: [sms] } }), policies, limits),
    "cascade",
  );
  refused(
    () => planCascade(message({ cascade: { steps: Array(11).fill(sms) } }), {}, limits),
    "cascade.steps",
  );
  refused(
    () => planCascade(message({ cascade: { steps: [{ channel: Channel.EMAIL }] } }), {}, limits),
    "cascade.steps[0].to",
  );
  refused(
    () =>
      planCascade(
        message({
          cascade: { steps: [sms, { channel: Channel.EMAIL, to: mailbox("not-an-address") }] },
        }),
        {},
        limits,
      ),
    "cascade.steps[1].to.email",
    /cascade\.steps\[1\]\.to\.email must be an email address/,
  );
  refused(
    () =>
      planCascade(
        message({
          content: { text: "no subject" },
          cascade: { steps: [{ channel: Channel.EMAIL, to: mailbox("a@b.co") }] },
        }),
        {},
        limits,
      ),
    "cascade.steps[0].content.subject",
  );
  refused(
    () => planCascade(message({ priority: 12, cascade: { steps: [sms] } }), {}, limits),
    "priority",
  );
});

test("a step's message: the channel's share of the content, a fitting sender, the parent's link and key", () => {
  const parent = message({
    id: "01PARENT",
    from: mailbox("news@shop.example"),
    metadata: { order: "42" },
    priority: 7,
    timeZone: "Europe/Paris",
  });
  const sms = stepMessage(
    parent,
    create(CascadeStepSchema, { channel: Channel.SMS, to: phone("+33612345678") }),
    1,
  );
  assert.equal(sms.channel, Channel.SMS);
  assert.deepEqual(
    [sms.content?.text, sms.content?.html, sms.content?.subject],
    ["Your parcel is here", "", ""],
  );
  assert.equal(sms.from, undefined, "an email sender does not fit SMS");
  assert.deepEqual(
    [sms.parentId, sms.cascadeStep, sms.idempotencyKey],
    ["01PARENT", 2, "cascade:01PARENT:2"],
  );
  assert.deepEqual([sms.metadata.order, sms.priority, sms.timeZone], ["42", 7, "Europe/Paris"]);
});

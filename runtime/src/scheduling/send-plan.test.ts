import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { Channel, MessageSchema } from "../gen/hermes/v1/message_pb.js";
import type { QuietHours } from "./quiet-hours.js";
import { planSend } from "./send-plan.js";

const at = (iso: string) => Date.parse(iso);
// 22:00 to 07:00 on SMS; Paris is UTC+1 in January.
const night: QuietHours = { start: 22 * 3600, end: 7 * 3600, channels: [Channel.SMS] };
const sms = (init: MessageInitShape<typeof MessageSchema> = {}) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: "+33612345678" } },
    ...init,
  } as MessageInitShape<typeof MessageSchema>);

function refused(run: () => unknown, field: string): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof HermesError);
    assert.equal(e.code, ErrorCode.INVALID_ARGUMENT);
    assert.equal(e.field, field);
    return true;
  });
}

test("send_at holds a message until then; a past one, or none, sends at once", () => {
  const now = at("2025-01-15T12:00:00Z");
  assert.equal(planSend(sms(), undefined, now), undefined);
  assert.equal(planSend(sms({ sendAt: timestampFromMs(now - 1000) }), undefined, now), undefined);
  assert.deepEqual(planSend(sms({ sendAt: timestampFromMs(now + 60_000) }), undefined, now), {
    at: now + 60_000,
    detail: { scheduled: "send_at" },
  });
});

test("quiet hours hold a message until they end, in the recipient's zone", () => {
  const late = at("2025-01-15T22:30:00Z"); // 23:30 in Paris
  assert.deepEqual(planSend(sms(), night, late), {
    at: at("2025-01-16T06:00:00Z"),
    detail: { scheduled: "quiet_hours", time_zone: "Europe/Paris" },
  });
  // The same instant is 17:30 in New York: an explicit zone wins over the number's.
  assert.equal(planSend(sms({ timeZone: "America/New_York" }), night, late), undefined);
  // A send_at inside quiet hours waits for their end.
  const evening = at("2025-01-15T12:00:00Z");
  assert.equal(
    planSend(sms({ sendAt: timestampFromMs(late) }), night, evening)?.at,
    at("2025-01-16T06:00:00Z"),
  );
});

test("quiet hours apply only where they can and should", () => {
  const late = at("2025-01-15T22:30:00Z");
  const american = sms({ to: { kind: { case: "phone", value: "+15550100123" } } });
  assert.equal(planSend(american, night, late), undefined, "no zone known: not held");
  assert.equal(
    planSend(american, { ...night, timeZone: "Europe/Paris" }, late)?.detail.time_zone,
    "Europe/Paris",
    "the quiet hours' default zone",
  );
  assert.equal(planSend(sms({ ignoreQuietHours: true }), night, late), undefined);
  const mail = sms({
    channel: Channel.EMAIL,
    to: { kind: { case: "email", value: "ann@example.com" } },
    timeZone: "Europe/Paris",
  });
  assert.equal(planSend(mail, night, late), undefined, "a channel the quiet hours leave alone");
  assert.ok(planSend(mail, { ...night, channels: [] }, late), "empty channels: every channel");
  const whatsapp = sms({
    channel: Channel.CHAT,
    to: { kind: { case: "chatId", value: "33612345678" } },
  });
  assert.equal(
    planSend(whatsapp, { ...night, channels: [] }, late)?.detail.time_zone,
    "Europe/Paris",
  );
});

test("a send_at too far ahead or after its expiry, or an unknown zone, is refused", () => {
  const now = at("2025-01-15T12:00:00Z");
  refused(
    () => planSend(sms({ sendAt: timestampFromMs(now + 400 * 86_400_000) }), undefined, now),
    "send_at",
  );
  refused(
    () =>
      planSend(
        sms({ sendAt: timestampFromMs(now + 60_000), expiresAt: timestampFromMs(now + 30_000) }),
        undefined,
        now,
      ),
    "send_at",
  );
  refused(() => planSend(sms({ timeZone: "Europe/Atlantis" }), undefined, now), "time_zone");
});

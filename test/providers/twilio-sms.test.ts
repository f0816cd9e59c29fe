import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "@hermes/runtime/contracts";
import { gatewayToMock, templateSuite } from "./support/template-suite.js";
import { Channel, MessageStatus } from "./support/template-gateway.js";
import { TwilioMock } from "@hermes/runtime/simulators";

const sms = (to: string, text: string) => ({
  channel: Channel.SMS,
  to: { kind: { case: "phone" as const, value: to } },
  content: { text },
});

describe("twilio-sms template", () => {
  const built = templateSuite(
    "twilio-sms",
    "twilio-sms against Twilio's documented answers and callbacks",
  );

  describe("end to end through a gateway and a Twilio mock", () => {
    const accountSid = `AC${"1".repeat(32)}`;
    const mock = new TwilioMock(accountSid, "e2e-auth-token");
    const gateway = gatewayToMock(built, mock, {
      name: "twilio",
      channel: "sms",
      config: (base) => ({
        account_sid: accountSid,
        auth_token: "e2e-auth-token",
        from: "+15005550006",
        base_url: base,
        status_callback_url: "https://hermes.example.com/webhooks/twilio",
      }),
    });

    test("send → Messages.json → SUBMITTED → signed delivered callback → DELIVERED", async () => {
      const id = await gateway().send(sms("+15551230001", "Your code is 1234"));
      const sid = await gateway().submitted(id);
      assert.match(sid, /^SM\d{32}$/);
      const form = new URLSearchParams(mock.sink.received.at(-1)!.body);
      assert.equal(form.get("Body"), "Your code is 1234");
      assert.equal(form.get("From"), "+15005550006");
      const sent = await mock.statusCallback(gateway().webhookUrl, sid, "sent");
      assert.equal(sent.status, 200);
      const delivered = await mock.statusCallback(gateway().webhookUrl, sid, "delivered");
      assert.equal(delivered.status, 200);
      const events = await gateway().terminal(id);
      assert.equal(events.at(-1)?.status, MessageStatus.DELIVERED);
      assert.equal(events.at(-1)?.detail.twilio_status, "delivered");
    });

    test("an undelivered callback fails the message with Twilio's error code", async () => {
      const id = await gateway().send(sms("+15551230002", "hello"));
      const sid = await gateway().submitted(id);
      assert.equal(
        (await mock.statusCallback(gateway().webhookUrl, sid, "undelivered", "30003")).status,
        200,
      );
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.providerCode, "30003");
    });

    test("21211 from Twilio fails the message as INVALID_RECIPIENT without a retry", async () => {
      const id = await gateway().send(sms(TwilioMock.invalidNumber, "hello"));
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.code, ErrorCode.INVALID_RECIPIENT);
      assert.equal(last.error?.providerCode, "21211");
      assert.equal((await gateway().messages.getMessage({ id })).message?.attempts, 1);
    });

    test("a callback signed with another token is refused with 403", async () => {
      const id = await gateway().send(sms("+15551230003", "hello"));
      const sid = await gateway().submitted(id);
      const impostor = new TwilioMock(accountSid, "not-the-token");
      impostor.callbacks.set(sid, mock.callbacks.get(sid)!);
      assert.equal(
        (await impostor.statusCallback(gateway().webhookUrl, sid, "delivered")).status,
        403,
      );
      assert.equal(
        (await gateway().messages.getMessage({ id })).message?.status,
        MessageStatus.SUBMITTED,
      );
    });
  });
});

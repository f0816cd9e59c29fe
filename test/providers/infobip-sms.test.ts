import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "@hermes/runtime/contracts";
import { gatewayToMock, templateSuite } from "./support/template-suite.js";
import { Channel, MessageStatus } from "./support/template-gateway.js";
import { InfobipMock } from "./infobip-mock.js";

const sms = (to: string, text: string) => ({
  channel: Channel.SMS,
  to: { kind: { case: "phone" as const, value: to } },
  content: { text },
});

describe("infobip-sms template", () => {
  const built = templateSuite(
    "infobip-sms",
    "infobip-sms against Infobip's documented answers and reports",
  );

  describe("end to end through a gateway and an Infobip mock", () => {
    const mock = new InfobipMock("e2e-infobip-key");
    const gateway = gatewayToMock(built, mock, {
      name: "infobip",
      channel: "sms",
      config: (base) => ({
        base_url: base,
        api_key: "e2e-infobip-key",
        from: "Hermes",
        notify_url: "https://hermes.example.com/webhooks/infobip",
        webhook_token: "e2e-token-0123456789abcdef",
      }),
    });

    test("send → /sms/2/text/advanced → SUBMITTED → report at notifyUrl → DELIVERED", async () => {
      const id = await gateway().send(sms("+41793026727", "hello"));
      const messageId = await gateway().submitted(id);
      assert.equal(mock.sent.get(messageId)?.callbackData, id);
      assert.equal((await mock.report(gateway().gw.gateway.url, messageId, true)).status, 200);
      const events = await gateway().terminal(id);
      assert.equal(events.at(-1)?.status, MessageStatus.DELIVERED);
    });

    test("an UNDELIVERABLE report fails the message with Infobip's error name", async () => {
      const id = await gateway().send(sms("+41793026728", "hello"));
      const messageId = await gateway().submitted(id);
      assert.equal((await mock.report(gateway().gw.gateway.url, messageId, false)).status, 200);
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.providerCode, "EC_ABSENT_SUBSCRIBER");
    });

    test("a rejection inside a 200 answer fails the message as INVALID_RECIPIENT, once", async () => {
      const id = await gateway().send(sms(InfobipMock.badDestination, "hello"));
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.code, ErrorCode.INVALID_RECIPIENT);
      assert.equal((await gateway().messages.getMessage({ id })).message?.attempts, 1);
    });

    test("a report without the callback token is refused", async () => {
      const id = await gateway().send(sms("+41793026729", "hello"));
      const messageId = await gateway().submitted(id);
      const forged = await fetch(gateway().webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ results: [{ messageId, status: { groupName: "DELIVERED" } }] }),
      });
      assert.equal(forged.status, 401);
      assert.equal(
        (await gateway().messages.getMessage({ id })).message?.status,
        MessageStatus.SUBMITTED,
      );
    });
  });
});

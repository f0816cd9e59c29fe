import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { gatewayToMock, templateSuite } from "./support/template-suite.js";
import { Channel, MessageStatus } from "./support/template-gateway.js";
import { MessenteMock } from "./messente-mock.js";

const sms = (to: string, text: string) => ({
  channel: Channel.SMS,
  to: { kind: { case: "phone" as const, value: to } },
  content: { text },
});

describe("messente-sms template", () => {
  const built = templateSuite(
    "messente-sms",
    "messente-sms against Messente's documented answers and reports",
  );

  describe("end to end through a gateway and a Messente mock", () => {
    const mock = new MessenteMock("e2e-user", "e2e-pass");
    const gateway = gatewayToMock(built, mock, {
      name: "messente",
      channel: "sms",
      config: (base) => ({
        username: "e2e-user",
        password: "e2e-pass",
        sender: "Hermes",
        dlr_url: "https://hermes.example.com/webhooks/messente",
        webhook_token: "e2e-token-0123456789abcdef",
        base_url: base,
      }),
    });

    test("send → /v1/omnimessage → SUBMITTED → DLR at dlr_url → DELIVERED", async () => {
      const id = await gateway().send(sms("+37251000001", "hello"));
      const messageId = await gateway().submitted(id);
      assert.equal((await mock.report(gateway().gw.gateway.url, messageId, "ACK")).status, 200);
      assert.equal((await mock.report(gateway().gw.gateway.url, messageId, "DELIVRD")).status, 200);
      const events = await gateway().terminal(id);
      assert.equal(events.at(-1)?.status, MessageStatus.DELIVERED);
    });

    test("an UNDELIV report fails the message with Messente's err and error", async () => {
      const id = await gateway().send(sms("+37251000002", "hello"));
      const messageId = await gateway().submitted(id);
      assert.equal(
        (
          await mock.report(
            gateway().gw.gateway.url,
            messageId,
            "UNDELIV",
            1,
            "subscriber unreachable",
          )
        ).status,
        200,
      );
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.providerCode, "1");
      assert.match(last.error?.message ?? "", /subscriber unreachable/);
    });

    test("a report with a wrong token is refused", async () => {
      const id = await gateway().send(sms("+37251000003", "hello"));
      const messageId = await gateway().submitted(id);
      const forged = await fetch(`${gateway().webhookUrl}?token=not-the-token-at-all`, {
        method: "POST",
        body: JSON.stringify({ status: "DELIVRD", message_id: messageId }),
      });
      assert.equal(forged.status, 403);
      assert.equal(
        (await gateway().messages.getMessage({ id })).message?.status,
        MessageStatus.SUBMITTED,
      );
    });
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { ErrorCode, DeliveryEventKind } from "@hermes/runtime/contracts";
import { gatewayToMock, templateSuite } from "./support/template-suite.js";
import { Channel, MessageStatus } from "./support/template-gateway.js";
import { SendGridMock } from "@hermes/runtime/simulators";

const email = (to: string, subject: string) => ({
  channel: Channel.EMAIL,
  to: { kind: { case: "email" as const, value: to } },
  content: { subject, text: `${subject} (text)` },
});

describe("sendgrid-email template", () => {
  const built = templateSuite(
    "sendgrid-email",
    "sendgrid-email against SendGrid's documented answers and events",
  );

  describe("end to end through a gateway and a SendGrid mock", () => {
    const mock = new SendGridMock("SG.e2e");
    const gateway = gatewayToMock(built, mock, {
      name: "sendgrid",
      channel: "email",
      config: (base) => ({
        api_key: "SG.e2e",
        from_email: "Shop <shop@example.com>",
        webhook_public_key: mock.verificationKey,
        base_url: base,
      }),
    });

    test("send → /v3/mail/send → SUBMITTED (X-Message-Id) → signed events → DELIVERED", async () => {
      const id = await gateway().send(email("ann@example.com", "Receipt"));
      const messageId = await gateway().submitted(id);
      const mail = JSON.parse(mock.sink.received.at(-1)!.body);
      assert.equal(mail.subject, "Receipt");
      assert.deepEqual(mail.personalizations[0].custom_args, { hermes_message_id: id });
      const reply = await mock.events(gateway().webhookUrl, messageId, [
        "processed",
        "delivered",
        "open",
      ]);
      assert.equal(reply.status, 200);
      const events = await gateway().terminal(id);
      assert.equal(events.at(-1)?.status, MessageStatus.DELIVERED);
    });

    test("a bounce fails the message as INVALID_RECIPIENT with the SMTP status", async () => {
      const id = await gateway().send(email("gone@example.com", "Hello"));
      const messageId = await gateway().submitted(id);
      assert.equal(
        (await mock.events(gateway().webhookUrl, messageId, ["processed", "bounce"])).status,
        200,
      );
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.code, ErrorCode.INVALID_RECIPIENT);
      assert.equal(last.error?.providerCode, "5.1.1");
    });

    test("a spam report after delivery is recorded as a complaint", async () => {
      // An address of its own: a complaint suppresses the address (docs/suppression.md).
      const id = await gateway().send(email("complainer@example.com", "Newsletter"));
      const messageId = await gateway().submitted(id);
      await mock.events(gateway().webhookUrl, messageId, ["delivered"]);
      await gateway().terminal(id);
      assert.equal(
        (await mock.events(gateway().webhookUrl, messageId, ["spamreport"])).status,
        200,
      );
      const events = await gateway().until(id, (e) => e.kind === DeliveryEventKind.COMPLAINT);
      assert.equal(events.at(-1)?.detail.sendgrid_event, "spamreport");
      assert.equal(
        (await gateway().messages.getMessage({ id })).message?.status,
        MessageStatus.DELIVERED,
        "a complaint does not change the status",
      );
    });

    test("SendGrid's 400 fails the message permanently with its field and reason", async () => {
      const id = await gateway().send(email(SendGridMock.invalidAddress, "x"));
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.match(
        last.error?.message ?? "",
        /personalizations\.0\.to\.0\.email: Does not contain a valid address/,
      );
      assert.equal((await gateway().messages.getMessage({ id })).message?.attempts, 1);
    });

    test("events signed by another key are refused and change nothing", async () => {
      const id = await gateway().send(email("ann@example.com", "Forged"));
      const messageId = await gateway().submitted(id);
      const forger = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
      assert.equal(
        (await mock.events(gateway().webhookUrl, messageId, ["delivered"], forger)).status,
        403,
      );
      assert.equal(
        (await gateway().messages.getMessage({ id })).message?.status,
        MessageStatus.SUBMITTED,
      );
    });
  });
});

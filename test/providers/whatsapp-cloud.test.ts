import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "@hermes/runtime/contracts";
import { gatewayToMock, templateSuite } from "./support/template-suite.js";
import { Channel, MessageStatus } from "./support/template-gateway.js";
import { WhatsAppMock } from "./whatsapp-mock.js";

const chat = (to: string, text: string) => ({
  channel: Channel.CHAT,
  to: { kind: { case: "chatId" as const, value: to } },
  content: { text },
});

describe("whatsapp-cloud template", () => {
  const built = templateSuite(
    "whatsapp-cloud",
    "whatsapp-cloud against Meta's documented answers and notifications",
  );

  describe("end to end through a gateway and a Cloud API mock", () => {
    const mock = new WhatsAppMock("106540352242922", "e2e-token", "e2e-app-secret");
    const gateway = gatewayToMock(built, mock, {
      name: "whatsapp",
      channel: "chat",
      config: (base) => ({
        access_token: "e2e-token",
        phone_number_id: "106540352242922",
        app_secret: "e2e-app-secret",
        verify_token: "e2e-verify",
        base_url: base,
      }),
    });

    test("Meta's GET subscription challenge is answered with hub.challenge", async () => {
      const ok = await fetch(
        `${gateway().webhookUrl}?hub.mode=subscribe&hub.challenge=42424242&hub.verify_token=e2e-verify`,
      );
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), "42424242");
      const wrong = await fetch(
        `${gateway().webhookUrl}?hub.mode=subscribe&hub.challenge=42424242&hub.verify_token=nope`,
      );
      assert.equal(wrong.status, 403);
    });

    test("send → /messages → SUBMITTED → signed delivered status → DELIVERED", async () => {
      const id = await gateway().send(chat("15551230001", "hello on WhatsApp"));
      const wamid = await gateway().submitted(id);
      assert.match(wamid, /^wamid\./);
      assert.deepEqual(JSON.parse(mock.sink.received.at(-1)!.body).text, {
        preview_url: false,
        body: "hello on WhatsApp",
      });
      assert.equal((await mock.status(gateway().webhookUrl, wamid, "sent")).status, 200);
      assert.equal((await mock.status(gateway().webhookUrl, wamid, "delivered")).status, 200);
      const events = await gateway().terminal(id);
      assert.equal(events.at(-1)?.status, MessageStatus.DELIVERED);
    });

    test("a failed status fails the message with Meta's code", async () => {
      const id = await gateway().send(chat("15551230002", "x"));
      const wamid = await gateway().submitted(id);
      assert.equal((await mock.status(gateway().webhookUrl, wamid, "failed")).status, 200);
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.code, ErrorCode.INVALID_RECIPIENT);
      assert.equal(last.error?.providerCode, "131026");
    });

    test("131030 fails the send permanently with Meta's reason", async () => {
      const id = await gateway().send(chat(WhatsAppMock.notAllowed, "x"));
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.providerCode, "131030");
      assert.match(last.error?.message ?? "", /not in allowed list/);
    });

    test("a notification signed with another secret is refused", async () => {
      const id = await gateway().send(chat("15551230003", "x"));
      const wamid = await gateway().submitted(id);
      assert.equal(
        (await mock.status(gateway().webhookUrl, wamid, "delivered", "wrong-secret")).status,
        403,
      );
      assert.equal(
        (await gateway().messages.getMessage({ id })).message?.status,
        MessageStatus.SUBMITTED,
      );
    });
  });
});

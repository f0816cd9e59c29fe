import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { ErrorCode } from "@hermes/runtime/contracts";
import { gatewayToMock, templateSuite } from "./support/template-suite.js";
import { Channel, MessageStatus } from "./support/template-gateway.js";
import { FcmMock } from "./fcm-mock.js";

const push = (token: string, title: string) => ({
  channel: Channel.PUSH,
  to: { kind: { case: "deviceToken" as const, value: token } },
  content: { subject: title, text: `${title}!` },
});

describe("fcm-push template", () => {
  const built = templateSuite(
    "fcm-push",
    "fcm-push against FCM's and Google OAuth's documented answers",
  );

  describe("end to end through a gateway, an OAuth token endpoint and FCM mocks", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const mock = new FcmMock("hermes-e2e", "hermes@hermes-e2e.iam.gserviceaccount.com", publicKey);
    const gateway = gatewayToMock(built, mock, {
      name: "fcm",
      channel: "push",
      config: (base) => ({
        project_id: "hermes-e2e",
        client_email: "hermes@hermes-e2e.iam.gserviceaccount.com",
        private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        token_uri: `${base}/token`,
        base_url: base,
      }),
    });

    test("the first send exchanges a signed JWT for a token, later sends reuse it from the KV", async () => {
      const first = await gateway().send(push("device-1", "Hello"));
      const name = await gateway().submitted(first);
      assert.match(name, /^projects\/hermes-e2e\/messages\/0:/);
      assert.equal(mock.tokenRequests, 1);
      const second = await gateway().send(push("device-2", "Again"));
      await gateway().submitted(second);
      assert.equal(mock.tokenRequests, 1, "the cached token was reused");
      const sent = JSON.parse(mock.sink.received.at(-1)!.body);
      assert.deepEqual(sent.message.notification, { title: "Again", body: "Again!" });
      assert.equal(sent.message.data.hermes_message_id, second);
    });

    test("a revoked token is replaced within the same send", async () => {
      mock.revokeAll();
      const before = mock.tokenRequests;
      const id = await gateway().send(push("device-3", "After revocation"));
      await gateway().submitted(id);
      assert.equal(mock.tokenRequests, before + 1);
      assert.equal((await gateway().messages.getMessage({ id })).message?.attempts, 1);
    });

    test("an unregistered device token fails the message permanently as INVALID_RECIPIENT", async () => {
      mock.unregistered.add("gone-device");
      const id = await gateway().send(push("gone-device", "x"));
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.code, ErrorCode.INVALID_RECIPIENT);
      assert.equal(last.error?.providerCode, "UNREGISTERED");
      assert.equal((await gateway().messages.getMessage({ id })).message?.attempts, 1);
    });
  });
});

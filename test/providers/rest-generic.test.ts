import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "@hermes/runtime/contracts";
import { gatewayToMock, templateSuite } from "./support/template-suite.js";
import { Channel, MessageStatus } from "./support/template-gateway.js";
import { GenericMock } from "./generic-mock.js";
import { clients, startTestGateway } from "../support/gateway-harness.js";
import { untilTerminal } from "../support/wait.js";
import type { HermesError } from "@hermes/runtime";

describe("rest-generic template", () => {
  const built = templateSuite("rest-generic", "rest-generic against its recorded fixtures");

  describe("end to end through a gateway and a mock provider", () => {
    const mock = new GenericMock("e2e-key", "e2e-secret");
    const gateway = gatewayToMock(built, mock, {
      name: "generic",
      channel: "sms",
      config: (base) => ({
        url: `${base}/v1/messages`,
        auth_value: "Bearer e2e-key",
        webhook_secret: "e2e-secret",
      }),
    });

    test("send → provider request → SUBMITTED → signed report → DELIVERED", async () => {
      const id = await gateway().send({
        channel: Channel.SMS,
        to: { kind: { case: "phone", value: "+15550001111" } },
        content: { text: "hi {there}" },
      });
      const providerId = await gateway().submitted(id);
      const request = mock.sink.received.at(-1)!;
      assert.deepEqual(JSON.parse(request.body), {
        to: "+15550001111",
        text: "hi {there}",
        reference: id,
      });
      const reply = await mock.report(gateway().webhookUrl, providerId, "delivered");
      assert.equal(reply.status, 200);
      const events = await gateway().terminal(id);
      assert.deepEqual(events.map((e) => e.status).slice(-2), [
        MessageStatus.SUBMITTED,
        MessageStatus.DELIVERED,
      ]);
    });

    test("a provider refusal fails the message once, with the provider's reason", async () => {
      const id = await gateway().send({
        channel: Channel.SMS,
        to: { kind: { case: "phone", value: GenericMock.unreachable } },
        content: { text: "x" },
      });
      const last = (await gateway().terminal(id)).at(-1)!;
      assert.equal(last.status, MessageStatus.FAILED);
      assert.equal(last.error?.code, ErrorCode.PROVIDER_REJECTED);
      assert.match(last.error?.message ?? "", /invalid destination \+15550000000/);
      assert.equal(
        (await gateway().messages.getMessage({ id })).message?.attempts,
        1,
        "a permanent failure is not retried",
      );
    });

    test("a report with a forged signature is refused and changes nothing", async () => {
      const id = await gateway().send({
        channel: Channel.SMS,
        to: { kind: { case: "phone", value: "+15550002222" } },
        content: { text: "y" },
      });
      const providerId = await gateway().submitted(id);
      const forged = await fetch(gateway().webhookUrl, {
        method: "POST",
        headers: { "x-signature": "00".repeat(32) },
        body: JSON.stringify({ id: providerId, status: "delivered" }),
      });
      assert.equal(forged.status, 401);
      const { message } = await gateway().messages.getMessage({ id });
      assert.equal(message?.status, MessageStatus.SUBMITTED);
    });
  });

  describe("the provider host must be allowed: manifest or the route's allowHosts", () => {
    const mock = new GenericMock("k", "s");
    let base = "";
    before(async () => {
      base = await mock.start();
    });
    after(() => mock.close());
    const route = (extra: Record<string, unknown>) => ({
      name: "generic",
      channel: "sms",
      adapter: "wasm",
      config: {
        file: built().file,
        allowHttp: true,
        config: { url: `${base}/v1/messages`, auth_value: "Bearer k" },
        ...extra,
      },
      retry: { maxAttempts: 1 },
    });

    test("without allowHosts a request to the mock is denied and nothing reaches it", async () => {
      const gw = await startTestGateway({ routes: [route({})] });
      try {
        const { messages } = clients(gw.gateway.url);
        const { message } = await messages.send({
          message: {
            channel: Channel.SMS,
            to: { kind: { case: "phone", value: "+15550003333" } },
            content: { text: "x" },
          },
        });
        const last = (await untilTerminal(messages, message!.id)).at(-1)!;
        assert.equal(last.status, MessageStatus.FAILED);
        assert.equal(last.error?.code, ErrorCode.PLUGIN_DENIED);
        assert.match(
          last.error?.message ?? "",
          /127\.0\.0\.1, which its manifest's allowed_hosts \(api\.example\.com\)/,
        );
        assert.equal(mock.sink.received.length, 0);
      } finally {
        await gw.close();
      }
    });

    test("allowHosts must list host names", async () => {
      await assert.rejects(
        startTestGateway({ routes: [route({ allowHosts: ["http://127.0.0.1"] })] }),
        (error: HermesError) => {
          assert.equal(error.code, ErrorCode.CONFIG_INVALID);
          assert.equal(error.field, "config.allowHosts");
          return true;
        },
      );
    });
  });
});

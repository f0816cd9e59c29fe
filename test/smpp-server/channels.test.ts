import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import {
  Channel,
  DeliveryEventKind,
  MessageSchema,
  MessageStatus,
  RouteState,
} from "@hermes/runtime/contracts";
import { type AdapterContext, type ChannelAdapter, ErrorCode, errorDetail } from "@hermes/runtime";
import { clients, startTestGateway } from "../support/gateway-harness.js";
import { untilTerminal } from "../support/wait.js";
import { email, startKumoRoute } from "../smtp/kumomta-fixture.js";
import { accounts, bindEsme, receiptField, submitFields, until } from "./support.js";

/**
 * Receipts come from whatever channel reports a message's outcome, not only
 * from an SMPP carrier: here an adapter that, like a REST provider behind a
 * WASM plugin, takes the message and reports its outcome later through the
 * gateway's report path (as its webhook would).
 */
class WebhookReportingAdapter implements ChannelAdapter {
  readonly type = "rest-like";
  #ctx: AdapterContext | undefined;
  #n = 0;

  async start(ctx: AdapterContext): Promise<void> {
    this.#ctx = ctx;
  }
  demand(): number {
    return 16;
  }
  async send() {
    const providerMessageId = `rest-${++this.#n}`;
    setTimeout(
      () =>
        void this.#ctx!.report({
          kind: DeliveryEventKind.STATUS,
          providerMessageId,
          status: MessageStatus.FAILED,
          error: errorDetail(ErrorCode.PROVIDER_REJECTED, "handset unreachable", {
            providerCode: "21",
            retryable: false,
          }),
        }),
      30,
    );
    return { kind: "submitted" as const, providerMessageId };
  }
  health() {
    return { state: RouteState.UP };
  }
  async stop(): Promise<void> {}
}

const smppServer = (extra: Record<string, unknown> = {}) => ({
  host: "127.0.0.1",
  port: 0,
  accounts: [{ ...accounts.acme, ...extra }, { ...accounts.globex }],
});

describe("SMPP server: receipts from other channels", () => {
  test("a provider's report through the gateway's report path (a REST provider's webhook) becomes the receipt", async () => {
    const gw = await startTestGateway(
      {
        routes: [{ name: "rest", channel: "sms", adapter: "rest-like" }],
        smppServer: smppServer(),
      },
      { "rest-like": () => new WebhookReportingAdapter() },
    );
    try {
      const esme = await bindEsme(gw.gateway.smppServer!.port);
      const resp = await esme.send("submit_sm", submitFields("447700900001", "via REST"));
      assert.equal(resp.command_status, 0);
      await until(() => esme.delivered.length === 1, "the receipt");
      const receipt = esme.delivered[0]!;
      assert.equal(receipt.receipted_message_id, resp.message_id);
      assert.equal(receiptField(receipt, "stat"), "UNDELIV");
      assert.equal(receiptField(receipt, "err"), "021");
      assert.equal(receipt.message_state, 5);
      await esme.close();
    } finally {
      await gw.close();
    }
  });

  test("an account that asks for email receipts gets its tenant's email outcomes; others do not", async () => {
    const route = await startKumoRoute({
      gateway: { smppServer: smppServer({ emailReceipts: true }) },
    });
    try {
      const port = route.gw.gateway.smppServer!.port;
      const acme = await bindEsme(port, "receiver");
      const globex = await bindEsme(port, "receiver", accounts.globex);
      const { message } = await route.api.messages.send({ message: email("ann@example.com") });
      await untilTerminal(route.api.messages, message!.id);
      await until(() => acme.delivered.length === 1, "the email receipt");
      assert.equal(acme.delivered[0]!.receipted_message_id, message!.id);
      assert.equal(receiptField(acme.delivered[0]!, "stat"), "DELIVRD");
      await delay(200);
      assert.equal(globex.delivered.length, 0);
      // An SMS the API sent is no SMPP account's: no receipt for it either.
      const sms = await clients(route.gw.gateway.url).messages.send({
        message: create(MessageSchema, {
          channel: Channel.SMS,
          to: { kind: { case: "phone", value: "+447700900001" } },
          content: { text: "no route" },
        }),
      });
      assert.equal(sms.message?.status, MessageStatus.REJECTED);
      await delay(200);
      assert.equal(acme.delivered.length, 1);
      await acme.close();
      await globex.close();
    } finally {
      await route.close();
    }
  });
});

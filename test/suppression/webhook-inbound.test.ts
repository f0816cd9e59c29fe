// A STOP that arrives on a provider's inbound webhook (as a WASM plugin's
// parse_webhook reports one) suppresses the sender on that channel only.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import type { AdapterContext, ChannelAdapter } from "@hermes/runtime";
import {
  AddressSchema,
  Channel,
  DeliveryEventKind,
  ErrorCode,
  MessageSchema,
  MessageStatus,
  RouteState,
} from "@hermes/runtime/contracts";
import { clients, startTestGateway, type TestGateway } from "../support/gateway-harness.js";

/** A chat provider whose webhook posts inbound messages as {"from", "text"}. */
class ChatProvider implements ChannelAdapter {
  readonly type = "chat-provider";
  #ctx: AdapterContext | undefined;
  async start(ctx: AdapterContext): Promise<void> {
    this.#ctx = ctx;
  }
  demand(): number {
    return 10;
  }
  async send() {
    return { kind: "delivered" as const };
  }
  async handleWebhook(request: { body: Uint8Array }) {
    const { from, text } = JSON.parse(Buffer.from(request.body).toString("utf8"));
    await this.#ctx!.report({
      kind: DeliveryEventKind.INBOUND,
      from: create(AddressSchema, { kind: { case: "chatId", value: from } }),
      text,
    });
    return { status: 200 };
  }
  health() {
    return { state: RouteState.UP };
  }
  async stop(): Promise<void> {}
}

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway(
    {
      routes: [
        { name: "chat", channel: "chat", adapter: "chat-provider", tenants: ["acme"] },
        { name: "sms", channel: "sms", adapter: "chat-provider", tenants: ["acme"] },
      ],
    },
    { "chat-provider": () => new ChatProvider() },
  );
});
after(() => gw.close());

test("STOP on a provider's inbound webhook suppresses the sender on that channel", async () => {
  const reply = await fetch(`${gw.gateway.url}/webhooks/chat`, {
    method: "POST",
    body: JSON.stringify({ from: "447700900777", text: "stop" }),
  });
  assert.equal(reply.status, 200);
  const { messages } = clients(gw.gateway.url);
  const chat = (
    await messages.send({
      message: create(MessageSchema, {
        channel: Channel.CHAT,
        to: { kind: { case: "chatId", value: "447700900777" } },
        content: { text: "hi" },
      }),
    })
  ).message!;
  assert.equal(chat.status, MessageStatus.REJECTED);
  assert.equal(chat.error?.code, ErrorCode.SUPPRESSED);
  const sms = (
    await messages.send({
      message: create(MessageSchema, {
        channel: Channel.SMS,
        to: { kind: { case: "phone", value: "+447700900777" } },
        content: { text: "hi" },
      }),
    })
  ).message!;
  assert.equal(sms.status, MessageStatus.ACCEPTED, "a STOP on chat leaves SMS alone");
});

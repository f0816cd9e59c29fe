// A real gateway with one `wasm` route running a built template whose
// provider is a local mock: plain http and 127.0.0.1 allowed for the route
// only (allowHttp, allowHosts), as an operator would for a provider sandbox.
import {
  Channel,
  MessageSchema,
  MessageStatus,
  type DeliveryEvent,
} from "@hermes/runtime/contracts";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { clients, startTestGateway, type TestGateway } from "../../support/gateway-harness.js";
import { untilEvent, untilTerminal } from "../../support/wait.js";
import type { BuiltTemplate } from "./templates.js";

/** What the provider signs webhooks for: the gateway as the internet sees it. */
export const publicBaseUrl = "https://hermes.example.com";

export interface TemplateGateway {
  readonly gw: TestGateway;
  readonly messages: ReturnType<typeof clients>["messages"];
  /** Where the mock posts webhooks (loopback). */
  readonly webhookUrl: string;
  /** The same route's webhook URL as the provider is configured with. */
  readonly publicWebhookUrl: string;
  /** Sends a message on the route; resolves with its id. */
  send(message: MessageInitShape<typeof MessageSchema>): Promise<string>;
  /** Waits until the message is SUBMITTED; resolves with its provider message id. */
  submitted(id: string): Promise<string>;
  terminal(id: string): Promise<DeliveryEvent[]>;
  /** Waits until an event of the message satisfies `found`; resolves with the history up to it. */
  until(id: string, found: (event: DeliveryEvent) => boolean): Promise<DeliveryEvent[]>;
  close(): Promise<void>;
}

export async function startTemplateGateway(options: {
  readonly template: BuiltTemplate;
  readonly route: string;
  readonly channel: "sms" | "email" | "push" | "chat";
  readonly config: Record<string, string>;
}): Promise<TemplateGateway> {
  const { route } = options;
  const gw = await startTestGateway({
    routes: [
      {
        name: route,
        channel: options.channel,
        adapter: "wasm",
        config: {
          file: options.template.file,
          config: options.config,
          allowHttp: true,
          allowHosts: ["127.0.0.1"],
          workers: 1,
          publicUrl: publicBaseUrl,
        },
        retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
      },
    ],
  });
  const { messages } = clients(gw.gateway.url);
  return {
    gw,
    messages,
    webhookUrl: `${gw.gateway.url}/webhooks/${route}`,
    publicWebhookUrl: `${publicBaseUrl}/webhooks/${route}`,
    async send(message) {
      const { message: accepted } = await messages.send({
        message: create(MessageSchema, message),
      });
      return accepted!.id;
    },
    async submitted(id) {
      for (let i = 0; i < 500; i++) {
        const { message } = await messages.getMessage({ id });
        if (message?.status === MessageStatus.SUBMITTED && message.providerMessageId)
          return message.providerMessageId;
        if (message && message.status >= MessageStatus.DELIVERED)
          throw new Error(
            `message ${id} ended ${MessageStatus[message.status]}: ${message.error?.message}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`message ${id} was not SUBMITTED in time`);
    },
    terminal: (id) => untilTerminal(messages, id),
    until: (id, found) => untilEvent(messages, id, found, "such event"),
    close: () => gw.close(),
  };
}

export { Channel, MessageStatus };

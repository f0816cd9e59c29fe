// A Node service that runs Hermes in-process with a channel adapter of its
// own, sends one message through the API and stops the gateway. It is the
// example of docs/embedding.md, and test/package/embedding.test.ts runs it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  type AdapterContext,
  type AdapterHealth,
  type ChannelAdapter,
  ErrorCode,
  errorDetail,
  parseConfig,
  type SendOutcome,
  startGateway,
} from "@hermes/runtime";
import {
  Channel,
  type Message,
  MessageSchema,
  MessageService,
  MessageStatus,
  RouteState,
} from "@hermes/runtime/contracts";

/**
 * Delivers chat messages to the service's own notifier (here, an in-memory
 * inbox). An adapter says how many sends it takes at once (`demand`), sends
 * one message per call and answers with an outcome; the gateway stores,
 * queues, retries and reports.
 */
class InboxAdapter implements ChannelAdapter {
  readonly type = "inbox";
  readonly inbox: Message[] = [];
  #inFlight = 0;

  async start(ctx: AdapterContext): Promise<void> {
    ctx.log.info({ route: ctx.route }, "inbox adapter ready");
  }

  demand(): number {
    return 8 - this.#inFlight;
  }

  async send(message: Message): Promise<SendOutcome> {
    if (message.to?.kind.case !== "chatId") {
      const error = errorDetail(ErrorCode.INVALID_RECIPIENT, "the inbox takes chat ids", {
        retryable: false,
      });
      return { kind: "failed", error };
    }
    this.#inFlight++;
    try {
      this.inbox.push(message);
      return { kind: "delivered", providerMessageId: `inbox-${this.inbox.length}` };
    } finally {
      this.#inFlight--;
    }
  }

  health(): AdapterHealth {
    return { state: RouteState.UP };
  }

  async stop(): Promise<void> {}
}

export async function main(): Promise<{ status: MessageStatus; delivered: number }> {
  const dir = mkdtempSync(join(tmpdir(), "hermes-embedded-"));
  const adapter = new InboxAdapter();
  const gateway = await startGateway({
    config: parseConfig({
      server: { host: "127.0.0.1", port: 0 },
      store: { path: join(dir, "hermes.db") },
      apiKeys: [{ key: "service-key", tenant: "acme", scopes: ["send", "read"] }],
      routes: [{ name: "inbox", channel: "chat", adapter: "inbox" }],
      logLevel: "warn",
    }),
    adapters: { inbox: () => adapter },
  });
  try {
    const transport = createConnectTransport({
      baseUrl: gateway.url,
      httpVersion: "2",
      interceptors: [
        (next) => (req) => {
          req.header.set("authorization", "Bearer service-key");
          return next(req);
        },
      ],
    });
    const messages = createClient(MessageService, transport);
    const { message } = await messages.send({
      message: create(MessageSchema, {
        channel: Channel.CHAT,
        to: { kind: { case: "chatId", value: "user-42" } },
        content: { text: "Your order has shipped" },
      }),
    });
    // Follow the message's events until it is final.
    for await (const { event } of messages.watchEvents({
      messageIds: [message!.id],
      replay: true,
    })) {
      if (event?.status === MessageStatus.DELIVERED || event?.status === MessageStatus.FAILED) {
        return { status: event.status, delivered: adapter.inbox.length };
      }
    }
    throw new Error("the event stream ended early");
  } finally {
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

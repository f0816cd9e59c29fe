import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  Channel,
  ErrorCode,
  MessageSchema,
  MessageStatus,
  SuppressionService,
} from "@hermes/runtime/contracts";
import { NatsServer } from "@hermes/runtime/simulators";
import {
  clients,
  keys,
  startTestGateway,
  type TestGateway,
  transport,
} from "../support/gateway-harness.js";
import { HttpSink } from "../support/http-sink.js";
import { poll, untilTerminal } from "../support/wait.js";

let nats: NatsServer;
const sink = new HttpSink();
let sinkUrl: string;

before(async () => {
  nats = await NatsServer.start();
  sinkUrl = await sink.start();
});
after(async () => {
  await sink.close();
  await nats.stop();
});

/** A gateway on the NATS server, with a webhook route into the sink. */
function node(prefix: string, extra: Record<string, unknown> = {}): Promise<TestGateway> {
  return startTestGateway({
    store: { kind: "nats", servers: [nats.url], prefix, ...extra },
    routes: [
      {
        name: "hooks",
        channel: "webhook",
        adapter: "webhook",
        config: { url: `${sinkUrl}/hook`, concurrency: 4 },
        retry: { maxAttempts: 5, initialBackoffMs: 50, maxBackoffMs: 200 },
      },
    ],
  });
}

const hook = (text: string) =>
  create(MessageSchema, {
    channel: Channel.WEBHOOK,
    to: { kind: { case: "url", value: "https://example.com/x" } },
    content: { text },
  });

test("one node on NATS: Send, delivery, retries with backoff, GetMessage and WatchEvents", async () => {
  const gw = await node("single");
  try {
    const { messages } = clients(gw.gateway.url, keys.all);
    let failures = 2;
    sink.answer = (request) =>
      request.body.includes("flaky") && failures-- > 0 ? { status: 503 } : { status: 200 };
    const sent = await Promise.all(
      ["a", "b", "flaky"].map((text) => messages.send({ message: hook(text) })),
    );
    for (const { message } of sent) {
      const events = await untilTerminal(messages, message!.id);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    }
    const flaky = await messages.getMessage({ id: sent[2]!.message!.id });
    assert.equal(flaky.message?.attempts, 3);
    assert.deepEqual(
      flaky.events.map((e) => MessageStatus[e.status]),
      ["ACCEPTED", "QUEUED", "QUEUED", "DELIVERED"],
    );
  } finally {
    await gw.close();
  }
});

test("two nodes on one NATS server share the work, and each sees the other's events", async () => {
  const a = await node("pair");
  const b = await node("pair");
  try {
    sink.answer = () => ({ status: 200, delayMs: 5 });
    sink.received.length = 0;
    const viaA = clients(a.gateway.url, keys.all).messages;
    const viaB = clients(b.gateway.url, keys.all).messages;
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const { message } = await (i % 2 ? viaB : viaA).send({ message: hook(`pair ${i}`) });
      ids.push(message!.id);
    }
    for (const id of ids) {
      // Followed on the node that did not accept it half the time.
      const events = await untilTerminal(ids.indexOf(id) % 2 ? viaA : viaB, id, 20_000);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    }
    const received = sink.received.filter((r) => String(r.body).includes("pair "));
    assert.equal(new Set(received.map((r) => r.headers["x-hermes-message-id"])).size, 60);
  } finally {
    await a.close();
    await b.close();
  }
});

test("two nodes share suppression lists; send_at and cascades are refused on a cluster, and cancels work", async () => {
  const a = await node("features");
  const b = await node("features");
  try {
    const url = { kind: { case: "url" as const, value: "https://example.com/x" } };
    const admin = createClient(
      SuppressionService,
      transport(a.gateway.url, "connect-h2", keys.all),
    );
    const chat = (value: string) =>
      create(MessageSchema, {
        channel: Channel.CHAT,
        to: { kind: { case: "chatId", value } },
        content: { text: "hi" },
      });
    await admin.addSuppression({ address: { kind: { case: "chatId", value: "u-7" } } });
    const viaB = clients(b.gateway.url, keys.all).messages;
    const refused = await poll(
      async () => {
        const { message } = await viaB.send({ message: chat("u-7") });
        return message?.status === MessageStatus.REJECTED && message;
      },
      () => "node b never learned of node a's entry",
    );
    assert.equal(refused.error?.code, ErrorCode.SUPPRESSED);

    const later = await refusal(
      viaB.send({ message: { ...hook("later"), sendAt: timestampFromMs(Date.now() + 60_000) } }),
    );
    assert.equal(later.code, Code.InvalidArgument);
    assert.match(later.rawMessage, /message\.send_at is not supported on a NATS cluster/);
    const cascade = await refusal(
      viaB.send({
        message: create(MessageSchema, {
          content: { text: "x" },
          cascade: { steps: [{ channel: Channel.WEBHOOK, to: url }] },
        }),
      }),
    );
    assert.match(cascade.rawMessage, /message\.cascade is not supported on a NATS cluster/);

    sink.answer = () => ({ status: 503 });
    const { message } = await viaB.send({ message: hook("retried, then cancelled") });
    await poll(
      async () =>
        (await viaB.getMessage({ id: message!.id })).message?.status === MessageStatus.QUEUED,
      () => "the message never waited for a retry",
    );
    const cancelled = await clients(a.gateway.url, keys.all).messages.cancelMessage({
      id: message!.id,
    });
    assert.equal(cancelled.message?.error?.code, ErrorCode.CANCELLED);
  } finally {
    sink.answer = () => ({ status: 200 });
    await a.close();
    await b.close();
  }
});

async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (reason) {
    return ConnectError.from(reason);
  }
  throw new Error("the call succeeded");
}

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { NatsServer } from "@hermes/runtime/simulators";
import { clients, keys, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { HttpSink } from "../support/http-sink.js";
import { untilTerminal } from "../support/wait.js";

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

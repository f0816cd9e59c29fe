// nats-server restarts (SIGKILL, then the same port and store) while two
// nodes take Sends: every Send either succeeds, and its message is then
// delivered, or fails with Unavailable; nothing accepted is lost.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { NatsServer } from "@hermes/runtime/simulators";
import { untilAllTerminal } from "../support/cluster.js";
import { clients, keys, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { HttpSink } from "../support/http-sink.js";
import { poll } from "../support/wait.js";

let nats: NatsServer;
const sink = new HttpSink();
const nodes: TestGateway[] = [];

before(async () => {
  nats = await NatsServer.start();
  const sinkUrl = await sink.start();
  sink.answer = () => ({ status: 200, delayMs: 2 });
  for (let i = 0; i < 2; i++) {
    nodes.push(
      await startTestGateway({
        store: { kind: "nats", servers: [nats.url], prefix: "restart", timeoutMs: 1000 },
        routes: [
          {
            name: "hooks",
            channel: "webhook",
            adapter: "webhook",
            config: { url: `${sinkUrl}/hook`, concurrency: 8 },
            retry: { maxAttempts: 50, initialBackoffMs: 50, maxBackoffMs: 500 },
          },
        ],
      }),
    );
  }
});
after(async () => {
  for (const node of nodes) await node.close();
  await sink.close();
  await nats.stop();
});

test("a nats-server restart under load: each Send is durable or Unavailable, and nothing accepted is lost", {
  timeout: 120_000,
}, async () => {
  const accepted: string[] = [];
  const refusals = new Map<string, number>();
  let sending = true;
  const sender = async (worker: number) => {
    const { messages } = clients(nodes[worker % 2]!.gateway.url, keys.all);
    for (let i = 0; sending; i++) {
      const message = create(MessageSchema, {
        channel: Channel.WEBHOOK,
        to: { kind: { case: "url", value: "https://example.com/x" } },
        content: { text: `restart w${worker} #${i}` },
      });
      try {
        accepted.push((await messages.send({ message })).message!.id);
      } catch (reason) {
        const code = Code[ConnectError.from(reason).code];
        refusals.set(code, (refusals.get(code) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const senders = Array.from({ length: 6 }, (_, w) => sender(w));
  await poll(
    () => accepted.length >= 200,
    () => "no load",
    30_000,
  );
  await nats.kill();
  await poll(
    () => (refusals.get("Unavailable") ?? 0) > 0,
    () => "no Send was refused",
    10_000,
  );
  const during = accepted.length;
  await nats.restart();
  await poll(
    () => accepted.length >= during + 200,
    () => "no Send succeeded after the restart",
    30_000,
  );
  sending = false;
  await Promise.all(senders);

  assert.deepEqual([...refusals.keys()], ["Unavailable"], "every refusal is Unavailable");
  const finished = await untilAllTerminal(nodes[0]!.gateway.url, accepted, 60_000);
  for (const { message } of finished) assert.equal(message!.status, MessageStatus.DELIVERED);
  const received = new Set(sink.received.map((r) => r.headers["x-hermes-message-id"]));
  for (const id of accepted) assert.ok(received.has(id), `the endpoint received ${id}`);
  process.stdout.write(
    `${accepted.length} accepted and delivered; ${refusals.get("Unavailable")} refused with Unavailable\n`,
  );
});

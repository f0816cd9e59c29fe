import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { HttpSink } from "../support/http-sink.js";
import { clients, keys, testApiKeys } from "../support/gateway-harness.js";
import { spawnGateway } from "../support/gateway-process.js";
import { untilTerminal } from "../support/wait.js";

const dir = mkdtempSync(join(tmpdir(), "hermes-crash-"));
const sink = new HttpSink();

before(async () => {
  const sinkUrl = await sink.start();
  // A slow endpoint and little concurrency, so a backlog is queued when the gateway dies.
  sink.answer = () => ({ status: 200, delayMs: 10 });
  writeFileSync(
    join(dir, "hermes.config.json"),
    JSON.stringify({
      server: { host: "127.0.0.1", port: 0 },
      store: { path: join(dir, "hermes.db") },
      apiKeys: testApiKeys,
      routes: [
        {
          name: "hooks",
          channel: "webhook",
          adapter: "webhook",
          config: { url: `${sinkUrl}/hook`, concurrency: 2 },
          retry: { maxAttempts: 10, initialBackoffMs: 20, maxBackoffMs: 200 },
        },
      ],
    }),
  );
});
after(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

test("SIGKILL while accepting: after a restart every accepted message reaches a terminal state", {
  timeout: 120_000,
}, async () => {
  const first = await spawnGateway(join(dir, "hermes.config.json"));
  const { messages } = clients(first.url, keys.all);
  const acknowledged: string[] = [];
  let stop = false;
  const sender = async (worker: number) => {
    for (let i = 0; !stop; i++) {
      const message = create(MessageSchema, {
        channel: Channel.WEBHOOK,
        to: { kind: { case: "url", value: "https://example.com/x" } },
        content: { text: `w${worker} #${i}` },
      });
      try {
        const reply = await messages.send({ message });
        acknowledged.push(reply.message!.id);
      } catch {
        return; // the gateway died under this request: its fate is unknown to the caller
      }
    }
  };
  const senders = Array.from({ length: 8 }, (_, w) => sender(w));
  while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 5));
  first.child.kill("SIGKILL");
  stop = true;
  await Promise.all(senders);
  await first.exited;
  const deliveredBeforeCrash = new Set(
    sink.received.map((r) => r.headers["x-hermes-message-id"] as string),
  );
  assert.ok(
    deliveredBeforeCrash.size < acknowledged.length,
    "the crash left messages undelivered (otherwise the test proves nothing)",
  );

  const second = await spawnGateway(join(dir, "hermes.config.json"));
  try {
    const after = clients(second.url, keys.all).messages;
    for (const id of acknowledged) {
      const events = await untilTerminal(after, id, 30_000);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED, `message ${id}`);
    }
    const delivered = new Set(sink.received.map((r) => r.headers["x-hermes-message-id"] as string));
    for (const id of acknowledged) assert.ok(delivered.has(id), `the endpoint received ${id}`);
  } finally {
    second.child.kill("SIGTERM");
    await second.exited;
  }
});

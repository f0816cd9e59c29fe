// Issue 17, a crash under load: the gateway is killed (SIGKILL) while 32
// clients send into an SMPP route (window 10, receipts on), then restarted
// on the same database. Every acknowledged message reaches DELIVERED; every
// message the SMSC got more than once is flagged duplicate_risk, counted,
// and has both sends in its attempts; and receipts the first gateway took
// but had not recorded come back from the SMSC (deliver_sm_resp is sent
// only once a receipt's effect is durable).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { SmscSimulator } from "@hermes/runtime/simulators";
import { clients, keys, testApiKeys } from "../support/gateway-harness.js";
import { spawnGateway } from "../support/gateway-process.js";
import { poll } from "../support/wait.js";

const dir = mkdtempSync(join(tmpdir(), "hermes-crash-smpp-"));
let smsc: SmscSimulator;

before(async () => {
  smsc = await SmscSimulator.start({ behaviour: { receiptDelayMs: 20, record: true } });
  writeFileSync(
    join(dir, "hermes.config.json"),
    JSON.stringify({
      server: { host: "127.0.0.1", port: 0 },
      store: { path: join(dir, "hermes.db") },
      apiKeys: testApiKeys,
      routes: [
        {
          name: "carrier",
          channel: "sms",
          adapter: "smpp",
          retry: { maxAttempts: 10, initialBackoffMs: 20, maxBackoffMs: 200 },
          config: {
            host: "127.0.0.1",
            port: smsc.port,
            systemId: "hermes",
            window: 10,
            throughput: 0,
            reconnectInitialMs: 20,
            reconnectMaxMs: 100,
          },
        },
      ],
    }),
  );
});
after(async () => {
  await smsc?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("SIGKILL under load: every message sent twice is flagged and counted, and none is lost", {
  timeout: 180_000,
}, async (t) => {
  const first = await spawnGateway(join(dir, "hermes.config.json"));
  const acknowledged: string[] = [];
  let stop = false;
  const sender = async (worker: number) => {
    const { messages } = clients(first.url, keys.all);
    for (let i = 0; !stop; i++) {
      const message = create(MessageSchema, {
        channel: Channel.SMS,
        to: {
          kind: { case: "phone", value: `+4477009${String(worker * 1000 + i).padStart(5, "0")}` },
        },
        content: { text: `crash test w${worker} #${i}` },
      });
      try {
        acknowledged.push((await messages.send({ message })).message!.id);
      } catch {
        return; // the gateway died under this request: its fate is unknown to the caller
      }
    }
  };
  const senders = Array.from({ length: 32 }, (_, w) => sender(w));
  await poll(
    () => acknowledged.length >= 1500,
    () => `only ${acknowledged.length} Sends answered`,
    60_000,
  );
  first.child.kill("SIGKILL");
  stop = true;
  await Promise.all(senders);
  await first.exited;
  const sentBeforeCrash = smsc.received.length;

  const second = await spawnGateway(join(dir, "hermes.config.json"));
  try {
    const { messages } = clients(second.url, keys.all);
    // Every message the gateway stored, acknowledged or not: the replay of the tenant's log.
    const stored = new Set<string>();
    const abort = new AbortController();
    const replaying = (async () => {
      for await (const { event } of messages.watchEvents(
        { replay: true },
        { signal: abort.signal },
      ))
        if (event && event.status === MessageStatus.ACCEPTED) stored.add(event.messageId);
    })().catch(() => {});
    await poll(
      () => stored.size >= acknowledged.length,
      () => `replayed ${stored.size} messages`,
      30_000,
    );
    for (const id of acknowledged) assert.ok(stored.has(id), `acknowledged ${id} was stored`);
    const final = await poll(
      async () => {
        const all = await Promise.all([...stored].map((id) => messages.getMessage({ id })));
        return all.every((m) => m.message!.status === MessageStatus.DELIVERED) && all;
      },
      () => "not every stored message reached DELIVERED",
      90_000,
    );
    abort.abort();
    await replaying;

    const submits = new Map<string, number>();
    for (const submit of smsc.received)
      submits.set(submit.text, (submits.get(submit.text) ?? 0) + 1);
    let duplicated = 0;
    let flagged = 0;
    for (const { message, events } of final) {
      const sends = submits.get(message!.content!.text) ?? 0;
      const atRisk = events.some((e) => e.detail.duplicate_risk === "true");
      if (atRisk) flagged++;
      if (sends > 1) {
        duplicated++;
        assert.ok(
          atRisk,
          `${message!.id} reached the SMSC ${sends} times and is flagged duplicate_risk`,
        );
        assert.ok(
          message!.attempts >= sends,
          `${message!.id}'s attempts (${message!.attempts}) count its ${sends} sends`,
        );
      }
      assert.ok(sends >= 1, `${message!.id} reached the SMSC`);
    }
    const exposition = await (await fetch(`${second.url}/metrics`)).text();
    const counted = Number(
      /hermes_duplicate_risk_total\{route="carrier"\} (\d+)/.exec(exposition)?.[1] ?? 0,
    );
    assert.ok(
      counted >= duplicated,
      `hermes_duplicate_risk_total (${counted}) counts every resend at risk`,
    );
    t.diagnostic(
      `${final.length} messages stored, ${acknowledged.length} acknowledged, ${sentBeforeCrash} submits before the kill; ` +
        `${duplicated} reached the SMSC twice, ${flagged} flagged, ${counted} resends counted; ` +
        `receipts re-sent by the SMSC ${smsc.stats.receiptsResent}`,
    );
  } finally {
    second.child.kill("SIGTERM");
    await second.exited;
  }
});

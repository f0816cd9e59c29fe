// Issue 17, receipts when carrier ids repeat: an SMSC restarted three times
// while messages flow gives out its message ids from 1 again each time, and
// its receipts still reach exactly the messages they are about, because a
// receipt is matched on the id and on the address it reports, newest
// submission first, and never applied to a guess.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  Channel,
  DeliveryEventKind,
  MessageSchema,
  MessageStatus,
} from "@hermes/runtime/contracts";
import { SmscSimulator } from "@hermes/runtime/simulators";
import Database from "better-sqlite3";
import { join } from "node:path";
import { clients, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { poll } from "../support/wait.js";

const total = 3000;
const destination = (i: number) => `+4477009${String(i).padStart(5, "0")}`;

describe("an SMSC that reuses its message ids after restarts", () => {
  let smsc: SmscSimulator;
  let gw: TestGateway;

  before(async () => {
    // Ids from 1 after every restart; receipts a little later than their submit_sm_resp.
    smsc = await SmscSimulator.start({
      behaviour: { firstId: 1, receiptDelayMs: 30, record: true },
    });
    gw = await startTestGateway({
      routes: [
        {
          name: "carrier",
          channel: "sms",
          adapter: "smpp",
          retry: { maxAttempts: 20, initialBackoffMs: 20, maxBackoffMs: 200 },
          config: {
            host: "127.0.0.1",
            port: smsc.port,
            systemId: "hermes",
            window: 20,
            throughput: 0,
            reconnectInitialMs: 20,
            reconnectMaxMs: 100,
            maxRestarts: 1000,
          },
        },
      ],
    });
  });
  after(async () => {
    await gw?.close();
    await smsc?.close();
  });

  test("three restarts while 3,000 messages flow: every message is DELIVERED by its own receipt", async (t) => {
    const { messages } = clients(gw.gateway.url);
    const ids: string[] = [];
    const sending = (async () => {
      for (let b = 0; b < total / 100; b++) {
        const batch = await messages.sendBatch({
          messages: Array.from({ length: 100 }, (_, i) =>
            create(MessageSchema, {
              channel: Channel.SMS,
              to: { kind: { case: "phone", value: destination(b * 100 + i) } },
              content: { text: `message ${b * 100 + i}` },
            }),
          ),
        });
        for (const item of batch.results) {
          assert.equal(item.result.case, "message");
          ids.push((item.result.value as { id: string }).id);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    for (let restart = 1; restart <= 3; restart++) {
      await poll(
        () => smsc.received.length >= (total * restart) / 4,
        () => `the SMSC got only ${smsc.received.length} submits before restart ${restart}`,
        30_000,
      );
      await smsc.restart({ downMs: 50 });
    }
    await sending;
    assert.equal(smsc.stats.restarts, 3);
    const reused = new Map<string, number>();
    for (const submit of smsc.received) reused.set(submit.id, (reused.get(submit.id) ?? 0) + 1);
    assert.ok(
      [...reused.values()].some((count) => count > 1),
      "the SMSC gave out some ids more than once (otherwise the test proves nothing)",
    );

    // Every message reaches DELIVERED, by a receipt for its own submission.
    const finished = await poll(
      async () => {
        const got = await Promise.all(ids.map((id) => messages.getMessage({ id })));
        return got.every((g) => g.message?.status === MessageStatus.DELIVERED) && got;
      },
      () => "not every message reached DELIVERED",
      60_000,
    );
    let repeated = 0;
    for (const { message, events } of finished) {
      const delivered = events.filter(
        (e) => e.kind === DeliveryEventKind.STATUS && e.status === MessageStatus.DELIVERED,
      );
      assert.equal(delivered.length, 1, `${message!.id} was delivered once`);
      // Every receipt it took (a re-sent one is kept as history) was about its own
      // submission: the id its submit_sm_resp gave, from the number it went to.
      const receipts = events.filter((e) => e.detail.smpp_stat !== undefined);
      for (const receipt of receipts) {
        assert.equal(receipt.providerMessageId, message!.providerMessageId);
        assert.equal(`+${receipt.detail.smpp_source_addr}`, message!.to!.kind.value);
      }
      repeated += receipts.length - 1;
    }
    // A submit whose submit_sm_resp a restart cut off was sent again under a new id: the
    // SMSC's receipt for the first copy names an id the gateway never learned, and that id
    // now belongs to another address. Such receipts, and only those, stay unmatched.
    const flagged = new Set(
      finished
        .filter(({ events }) => events.some((e) => e.detail.duplicate_risk === "true"))
        .map(({ message }) => message!.to!.kind.value!.replace("+", "")),
    );
    t.diagnostic(
      `SMSC restarts ${smsc.stats.restarts}, receipts re-sent ${smsc.stats.receiptsResent}, receipts taken again as history ${repeated}, messages sent again at risk ${flagged.size}`,
    );
    const db = new Database(join(gw.dir, "hermes.db"), { readonly: true });
    try {
      const unmatched = (
        db.prepare("SELECT extra FROM events WHERE tenant = ''").pluck().all() as string[]
      )
        .map((extra) => JSON.parse(extra).d as Record<string, string>)
        .filter((detail) => detail.unmatched);
      for (const detail of unmatched) {
        assert.ok(
          flagged.has(detail.address!),
          `an unmatched receipt (${detail.unmatched}) for ${detail.address}, a message sent only once`,
        );
      }
    } finally {
      db.close();
    }
  });
});

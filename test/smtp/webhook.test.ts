import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DeliveryEventKind, MessageStatus, RouteState } from "@hermes/runtime/contracts";
import { untilTerminal } from "../support/wait.js";
import {
  email,
  secretHeader,
  startKumoRoute,
  webhookSecret,
  untilRouteState,
  type KumoRoute,
} from "./kumomta-fixture.js";

/** Sends a message to delivery and returns its id and KumoMTA's records for it. */
async function delivered(route: KumoRoute, to = "bob@example.com") {
  const { message } = await route.api.messages.send({ message: email(to) });
  await untilTerminal(route.api.messages, message!.id);
  await route.sim.settled();
  const records = route.sim.spool.records.filter(
    (r) => (r.headers as Record<string, string>)["X-Hermes-Message-Id"] === message!.id,
  );
  return { id: message!.id, records };
}

describe("the KumoMTA log hook endpoint", () => {
  let route: KumoRoute;

  before(async () => {
    route = await startKumoRoute();
    await untilRouteState(route, RouteState.UP);
  });
  after(() => route.close());

  test("refuses a request without the secret header, or with a wrong one, with 401", async () => {
    const { records } = await delivered(route);
    const body = JSON.stringify(records[0]);
    const missing = await route.postWebhook(body, {});
    assert.equal(missing.status, 401);
    assert.match(missing.body, /X-Hermes-Webhook-Secret/);
    const wrong = await route.postWebhook(body, { [secretHeader]: "not-the-secret" });
    assert.equal(wrong.status, 401);
  });

  test("refuses a malformed record with 400 and a reason naming the field", async () => {
    const notJson = await route.postWebhook("{not json");
    assert.equal(notJson.status, 400);
    assert.match(notJson.body, /not valid JSON/);
    const incomplete = await route.postWebhook(JSON.stringify({ type: "Delivery", id: "abc" }));
    assert.equal(incomplete.status, 400);
    assert.match(incomplete.body, /sender must be a string/);
    const empty = await route.postWebhook("[]");
    assert.equal(empty.status, 400);
  });

  test("a batch with a malformed record records the valid ones and answers 400 naming the bad one", async () => {
    const { id, records } = await delivered(route);
    const extra = {
      ...records.find((r) => r.type === "Delivery")!,
      type: "TransientFailure",
      num_attempts: 99,
    };
    const reply = await route.postWebhook(JSON.stringify([extra, { type: "Bounce" }]));
    assert.equal(reply.status, 400);
    const body = JSON.parse(reply.body);
    assert.equal(body.accepted, 1);
    assert.deepEqual(
      body.rejected.map((r: { index: number }) => r.index),
      [1],
    );
    const { events } = await route.api.messages.getMessage({ id });
    assert.ok(
      events.some((e) => e.kind === DeliveryEventKind.RETRYING && e.detail.num_attempts === "99"),
      "the valid record of the batch was recorded",
    );
  });

  test("a redelivered record is acknowledged once and recorded once", async () => {
    const { id, records } = await delivered(route);
    const before = (await route.api.messages.getMessage({ id })).events.length;
    const deliveryRecord = records.find((r) => r.type === "Delivery")!;
    const again = await route.postWebhook(JSON.stringify(deliveryRecord));
    assert.equal(again.status, 200);
    assert.deepEqual(JSON.parse(again.body), { accepted: 0, duplicates: 1 });
    const batchAgain = await route.postWebhook(records.map((r) => JSON.stringify(r)).join("\n"));
    assert.equal(batchAgain.status, 200);
    assert.equal(JSON.parse(batchAgain.body).duplicates, records.length);
    assert.equal(
      (await route.api.messages.getMessage({ id })).events.length,
      before,
      "no event was added by redelivery",
    );
  });

  test("a record for a message Hermes does not know is kept as unmatched and counted, not refused", async () => {
    const { records } = await delivered(route);
    const stranger = { ...records[0], id: "f".repeat(32), headers: {}, timestamp: 1 };
    const reply = await route.postWebhook(JSON.stringify(stranger));
    assert.equal(reply.status, 200);
    assert.equal(JSON.parse(reply.body).accepted, 1);
    const exposition = await (await fetch(`${route.gw.gateway.url}/metrics`)).text();
    assert.match(
      exposition,
      /hermes_unmatched_reports_total\{route="[^"]+",reason="unknown_id"\} [1-9]/,
    );
  });
});

for (const format of ["array", "ndjson"] as const) {
  describe(`a batching log hook (${format})`, () => {
    let route: KumoRoute;

    before(async () => {
      route = await startKumoRoute({ logHook: { batchSize: 8, batchFormat: format, flushMs: 20 } });
      await untilRouteState(route, RouteState.UP);
    });
    after(() => route.close());

    test("delivers every message's events from batched posts", async () => {
      const sent = await Promise.all(
        ["a", "b", "c", "tempfail-then-deliver", "permfail"].map((local) =>
          route.api.messages.send({ message: email(`${local}@example.com`) }),
        ),
      );
      const finals = await Promise.all(
        sent.map(({ message }) => untilTerminal(route.api.messages, message!.id)),
      );
      assert.deepEqual(
        finals.map((events) => MessageStatus[events.at(-1)!.status]),
        ["DELIVERED", "DELIVERED", "DELIVERED", "DELIVERED", "FAILED"],
      );
      await route.sim.settled();
      const publisher = route.sim.publisher!;
      assert.equal(publisher.rejected, 0, publisher.lastFailure);
      assert.ok(publisher.posted >= 10, "every record was acknowledged");
    });
  });
}

describe("a log hook whose webhook fails for a while", () => {
  test("retries its posts until the gateway answers, losing nothing", async () => {
    const route = await startKumoRoute();
    // A flaky front: answers 503 to the first posts, then passes them to the gateway.
    let refusals = 3;
    const front = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (refusals-- > 0) {
        res.writeHead(503).end("try later");
        return;
      }
      const answer = await fetch(`${route.gw.gateway.url}/webhooks/mail`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [secretHeader]: String(req.headers[secretHeader.toLowerCase()]),
        },
        body: Buffer.concat(chunks),
      });
      res.writeHead(answer.status).end(await answer.text());
    });
    front.listen(0, "127.0.0.1");
    await once(front, "listening");
    try {
      await untilRouteState(route, RouteState.UP);
      await route.sim.attachLogHook({
        url: `http://127.0.0.1:${(front.address() as AddressInfo).port}/`,
        headers: { [secretHeader]: webhookSecret },
        retry: { initialMs: 10, maxMs: 40 },
      });
      const { message } = await route.api.messages.send({ message: email("carol@example.com") });
      const events = await untilTerminal(route.api.messages, message!.id);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
      assert.equal(
        route.sim.publisher!.retried,
        3,
        "the refused post was retried until it went through",
      );
    } finally {
      front.close();
      await route.close();
    }
  });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  Channel,
  DeliveryEventKind,
  DeliveryEventSchema,
  MessageSchema,
  MessageStatus,
  type Message,
} from "../gen/hermes/v1/message_pb.js";
import { ErrorCode } from "../gen/hermes/v1/error_pb.js";
import { errorDetail } from "../errors/hermes-error.js";
import { SqliteStore } from "./sqlite-store.js";
import { newMessageId } from "./ids.js";

function message(init: MessageInitShape<typeof MessageSchema> = {}): Message {
  return create(MessageSchema, {
    id: newMessageId(),
    tenant: "acme",
    channel: Channel.SMS,
    route: "sms",
    status: MessageStatus.ACCEPTED,
    to: { kind: { case: "phone", value: "+447700900123" } },
    content: { text: "héllo 👋" },
    createdAt: timestampFromDate(new Date()),
    ...init,
  } as MessageInitShape<typeof MessageSchema>);
}

function withStore(run: (store: SqliteStore, path: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "hermes-store-"));
    const store = new SqliteStore({ path: join(dir, "db.sqlite") });
    try {
      await run(store, join(dir, "db.sqlite"));
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test("accept stores messages with their first event, and they survive reopening", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hermes-store-"));
  const path = join(dir, "db.sqlite");
  try {
    const store = new SqliteStore({ path });
    const m = message({ metadata: { k: "v" } });
    const [result] = await store.accept([m]);
    assert.equal(result.duplicate, false);
    assert.equal(result.event?.status, MessageStatus.ACCEPTED);
    store.close();
    const reopened = new SqliteStore({ path });
    const got = reopened.get(m.id)!;
    assert.equal(got.content?.text, "héllo 👋");
    assert.equal(got.metadata.k, "v");
    assert.deepEqual(
      reopened.unfinished().map((u) => u.id),
      [m.id],
    );
    assert.equal(reopened.history(m.id).length, 1);
    reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "idempotency keys are per tenant, also within one batch",
  withStore(async (store) => {
    const a = message({ idempotencyKey: "k1" });
    const b = message({ idempotencyKey: "k1" });
    const other = message({ idempotencyKey: "k1", tenant: "globex" });
    const results = await store.accept([a, b, other]);
    assert.deepEqual(
      results.map((r) => r.duplicate),
      [false, true, false],
    );
    assert.equal(results[1].message.id, a.id);
    assert.equal(store.get(b.id), undefined);
  }),
);

test(
  "concurrent writes of one turn share a commit and all resolve",
  withStore(async (store) => {
    const results = await Promise.all(Array.from({ length: 100 }, () => store.accept([message()])));
    assert.equal(results.length, 100);
    assert.equal(store.unfinished().length, 100);
  }),
);

test(
  "a terminal status never changes; later reports become history",
  withStore(async (store) => {
    const m = message();
    await store.accept([m]);
    await store.transition(m.id, {
      attempts: 1,
      providerMessageId: "abc",
      event: { kind: DeliveryEventKind.STATUS, status: MessageStatus.SUBMITTED },
    });
    await store.transition(m.id, {
      event: { kind: DeliveryEventKind.STATUS, status: MessageStatus.DELIVERED },
    });
    const late = await store.transition(m.id, {
      event: {
        kind: DeliveryEventKind.STATUS,
        status: MessageStatus.FAILED,
        error: errorDetail(ErrorCode.PROVIDER_REJECTED, "late"),
      },
    });
    assert.equal(late?.kind, DeliveryEventKind.PROGRESS);
    const got = store.get(m.id)!;
    assert.equal(got.status, MessageStatus.DELIVERED);
    assert.equal(got.attempts, 1);
    assert.equal(got.providerMessageId, "abc");
    assert.deepEqual(
      store.history(m.id).map((e) => e.status),
      [
        MessageStatus.ACCEPTED,
        MessageStatus.SUBMITTED,
        MessageStatus.DELIVERED,
        MessageStatus.DELIVERED,
      ],
    );
    assert.deepEqual(store.unfinished(), []);
    assert.equal(await store.transition("nope", { event: {} }), undefined);
  }),
);

test(
  "correlations resolve per route until they expire",
  withStore(async (store) => {
    await store.correlate("smpp-a", ["0A1B", "0A1C"], "m1", 60_000);
    await store.correlate("smpp-b", ["0A1B"], "m2", 1);
    assert.equal(store.resolve("smpp-a", "0A1C"), "m1");
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(store.resolve("smpp-b", "0A1B"), undefined, "expired");
    assert.equal(await store.purgeCorrelations(new Date()), 1);
    assert.equal(store.resolve("smpp-a", "0A1B"), "m1");
  }),
);

test(
  "eventsAfter filters by tenant, message and channel, and pages",
  withStore(async (store) => {
    const sms = message();
    const email = message({
      channel: Channel.EMAIL,
      to: { kind: { case: "email", value: "a@b.co" } },
    });
    const foreign = message({ tenant: "globex" });
    await store.accept([sms, email, foreign]);
    await store.record(
      create(DeliveryEventSchema, {
        messageId: "in_1",
        tenant: "acme",
        channel: Channel.SMS,
        kind: DeliveryEventKind.INBOUND,
        text: "hi",
      }),
    );
    const all = store.eventsAfter(0n, { tenant: "acme" }, 100);
    assert.equal(all.length, 3);
    assert.deepEqual(
      store
        .eventsAfter(0n, { tenant: "acme", channels: [Channel.EMAIL] }, 100)
        .map((e) => e.messageId),
      [email.id],
    );
    assert.deepEqual(
      store.eventsAfter(0n, { tenant: "acme", messageIds: [sms.id] }, 100).map((e) => e.messageId),
      [sms.id],
    );
    assert.deepEqual(
      store.eventsAfter(all[0].sequence, { tenant: "acme" }, 1).map((e) => e.sequence),
      [all[1].sequence],
    );
  }),
);

test(
  "expiredBefore lists unfinished messages past their validity",
  withStore(async (store) => {
    const old = message({ expiresAt: timestampFromDate(new Date(Date.now() - 1000)) });
    const fresh = message({ expiresAt: timestampFromDate(new Date(Date.now() + 60_000)) });
    await store.accept([old, fresh]);
    assert.deepEqual(store.expiredBefore(new Date()), [old.id]);
  }),
);

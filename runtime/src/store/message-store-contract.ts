import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ErrorCode, errorDetail } from "../errors/hermes-error.js";
import {
  AddressSchema,
  Channel,
  DeliveryEventKind,
  type Message,
  MessageSchema,
  MessageStatus,
} from "../gen/hermes/v1/message_pb.js";
import { newMessageId } from "./ids.js";
import type { MessageStore, NewMessage } from "./message-store.js";
import { isCancellable, lostAttempt } from "./message-state.js";

/** A backend under test: a place its data lives, opened as often as a test needs. */
export interface StoreUnderTest {
  /** Opens the store; after a close, the same data again. */
  open(): Promise<MessageStore>;
  /** Removes everything the store wrote. */
  dispose(): Promise<void>;
}

/** A message as the router prepares one for `accept`, with its encoded body. */
export function newMessage(init: MessageInitShape<typeof MessageSchema> = {}): NewMessage {
  const message = create(MessageSchema, {
    id: newMessageId(),
    tenant: "acme",
    channel: Channel.SMS,
    route: "sms",
    status: MessageStatus.ACCEPTED,
    to: { kind: { case: "phone", value: "+447700900123" } },
    content: { text: "héllo 👋" },
    createdAt: timestampFromMs(Date.now()),
    ...init,
  } as MessageInitShape<typeof MessageSchema>);
  return { message, body: toBinary(MessageSchema, message) };
}

/**
 * Every rule a MessageStore must keep, as node:test suites: accepting and
 * idempotency, transitions and their events, a terminal status being final,
 * late reports as history, attempt intents and what a restart learns from
 * them, event order and cursors, correlations with their expiry, recovery of
 * unfinished messages, expiry, finding messages by recipient and by
 * provider id, and concurrent writers. A backend is done
 * when it passes: call this from a test file with a factory of fresh stores.
 */
export function messageStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  /** Runs `body` with a fresh store, closed and disposed afterwards. */
  const withStore =
    (body: (store: MessageStore, reopen: () => Promise<MessageStore>) => Promise<void>) =>
    async () => {
      const place = await make();
      let store = await place.open();
      const reopen = async () => {
        await store.close();
        store = await place.open();
        return store;
      };
      try {
        await body(store, reopen);
      } finally {
        await store.close();
        await place.dispose();
      }
    };

  describe(`${name} keeps the MessageStore contract`, () => {
    test(
      "accept stores a message with its first event, readable by its tenant only",
      withStore(async (store) => {
        const item = newMessage({ metadata: { k: "v" } });
        const [result] = await store.accept([item]);
        assert.equal(result!.duplicate, false);
        assert.equal(result!.event?.status, MessageStatus.ACCEPTED);
        assert.equal(result!.event?.kind, DeliveryEventKind.STATUS);
        assert.ok(result!.event!.sequence > 0);
        const got = await store.get(item.message.id, "acme");
        assert.equal(got?.content?.text, "héllo 👋");
        assert.equal(got?.metadata.k, "v");
        assert.equal(got?.status, MessageStatus.ACCEPTED);
        assert.equal(got?.route, "sms");
        assert.equal(await store.get(item.message.id, "globex"), undefined);
        assert.equal(await store.get("no-such-id"), undefined);
      }),
    );

    test(
      "the state the gateway owns wins over what the body says",
      withStore(async (store) => {
        const item = newMessage();
        // A caller-supplied status or attempts in the body must not come back.
        const body = toBinary(
          MessageSchema,
          create(MessageSchema, { ...item.message, status: MessageStatus.DELIVERED, attempts: 7 }),
        );
        await store.accept([{ message: item.message, body }]);
        const got = await store.get(item.message.id);
        assert.equal(got?.status, MessageStatus.ACCEPTED);
        assert.equal(got?.attempts, 0);
      }),
    );

    test(
      "a REJECTED message is stored with its error and is finished",
      withStore(async (store, reopen) => {
        const error = errorDetail(ErrorCode.NO_ROUTE, "no route serves SMS", { retryable: false });
        const item = newMessage({ status: MessageStatus.REJECTED, route: "", error });
        const [result] = await store.accept([item]);
        assert.equal(result!.event?.status, MessageStatus.REJECTED);
        assert.equal(result!.event?.error?.code, ErrorCode.NO_ROUTE);
        const again = await reopen();
        assert.equal((await again.get(item.message.id))?.error?.message, "no route serves SMS");
        assert.deepEqual(await again.unfinished(), []);
      }),
    );

    test(
      "a message sent for later is stored QUEUED with when it goes, and comes back so after a reopen",
      withStore(async (store, reopen) => {
        const at = Date.now() + 3_600_000;
        const item = newMessage({
          status: MessageStatus.QUEUED,
          nextAttemptAt: timestampFromMs(at),
        });
        const [result] = await store.accept([{ ...item, detail: { scheduled: "send_at" } }]);
        assert.equal(result!.event?.status, MessageStatus.QUEUED);
        assert.deepEqual(result!.event?.detail, { scheduled: "send_at" });
        const got = await store.get(item.message.id);
        assert.equal(got?.status, MessageStatus.QUEUED);
        assert.equal(got?.nextAttemptAt?.seconds, BigInt(Math.floor(at / 1000)));
        const again = await reopen();
        const [waiting] = await again.unfinished();
        assert.equal(waiting?.message.id, item.message.id);
        assert.equal(waiting?.state.nextAttemptAt, at);
        assert.equal(waiting?.state.status, MessageStatus.QUEUED);
        const sent = await again.transition(item.message.id, {
          attempts: 1,
          event: { status: MessageStatus.SUBMITTED },
        });
        assert.equal(sent?.state.nextAttemptAt, 0, "a status change ends the wait");
        assert.equal((await again.get(item.message.id))?.nextAttemptAt, undefined);
      }),
    );

    test(
      "a change with a condition applies only while it holds: a cancel is refused once an attempt started",
      withStore(async (store, reopen) => {
        const waiting = newMessage();
        const leaving = newMessage();
        await store.accept([waiting, leaving]);
        await store.transition(leaving.message.id, { started: 1 });
        const cancel = {
          when: isCancellable,
          event: {
            status: MessageStatus.REJECTED,
            error: errorDetail(ErrorCode.CANCELLED, "cancelled", { retryable: false }),
          },
        };
        const refused = await store.transition(leaving.message.id, cancel);
        assert.equal(refused?.event, undefined);
        assert.equal(refused?.state.status, MessageStatus.ACCEPTED);
        const cancelled = await store.transition(waiting.message.id, cancel);
        assert.equal(cancelled?.event?.status, MessageStatus.REJECTED);
        assert.equal(cancelled?.previous, MessageStatus.ACCEPTED);
        const again = await reopen();
        assert.equal((await again.get(leaving.message.id))?.status, MessageStatus.ACCEPTED);
        assert.equal((await again.history(leaving.message.id)).length, 1);
        const got = await again.get(waiting.message.id);
        assert.equal(got?.status, MessageStatus.REJECTED);
        assert.equal(got?.error?.code, ErrorCode.CANCELLED);
      }),
    );

    test(
      "an idempotency key per tenant returns the first message, in one batch, across batches and concurrently",
      withStore(async (store) => {
        const first = newMessage({ idempotencyKey: "k1" });
        const sameBatch = newMessage({ idempotencyKey: "k1" });
        const [a, b] = await store.accept([first, sameBatch]);
        assert.equal(a!.duplicate, false);
        assert.equal(b!.duplicate, true);
        assert.equal(b!.message.id, first.message.id);
        assert.equal(b!.event, undefined);
        const [later] = await store.accept([newMessage({ idempotencyKey: "k1" })]);
        assert.equal(later!.message.id, first.message.id);
        const other = await store.accept([newMessage({ tenant: "globex", idempotencyKey: "k1" })]);
        assert.equal(other[0]!.duplicate, false, "keys are per tenant");
        const racing = await Promise.all([
          store.accept([newMessage({ idempotencyKey: "k2" })]),
          store.accept([newMessage({ idempotencyKey: "k2" })]),
        ]);
        const ids = new Set(racing.map(([r]) => r!.message.id));
        assert.equal(ids.size, 1, "two concurrent accepts of one key store one message");
        assert.equal(racing.filter(([r]) => r!.duplicate).length, 1);
      }),
    );

    test(
      "a transition moves the state and appends an event with the defaults filled in",
      withStore(async (store) => {
        const { message } = newMessage();
        await store.accept([{ message, body: toBinary(MessageSchema, message) }]);
        const before = Date.now();
        const outcome = await store.transition(message.id, {
          attempts: 1,
          providerMessageId: "p-1",
          event: { status: MessageStatus.SUBMITTED, detail: { smpp_parts: "1" } },
        });
        assert.equal(outcome?.previous, MessageStatus.ACCEPTED);
        assert.equal(outcome?.state.status, MessageStatus.SUBMITTED);
        assert.equal(outcome?.state.attempts, 1);
        const event = outcome!.event!;
        assert.equal(event.kind, DeliveryEventKind.STATUS);
        assert.equal(event.status, MessageStatus.SUBMITTED);
        assert.equal(event.providerMessageId, "p-1");
        assert.equal(event.tenant, "acme");
        assert.equal(event.channel, Channel.SMS);
        assert.ok(event.time >= before);
        assert.deepEqual(event.detail, { smpp_parts: "1" });
        const got = await store.get(message.id);
        assert.equal(got?.status, MessageStatus.SUBMITTED);
        assert.equal(got?.providerMessageId, "p-1");
        assert.equal(await store.transition("no-such-id", { event: {} }), undefined);
      }),
    );

    test(
      "the error follows the status: kept while it stays, cleared when it moves on without one",
      withStore(async (store) => {
        const { message } = newMessage();
        await store.accept([newMessageOf(message)]);
        const error = errorDetail(ErrorCode.TIMEOUT, "no answer", { retryable: true });
        await store.transition(message.id, {
          attempts: 1,
          event: { kind: DeliveryEventKind.RETRYING, status: MessageStatus.QUEUED, error },
        });
        assert.equal((await store.get(message.id))?.error?.code, ErrorCode.TIMEOUT);
        await store.transition(message.id, { event: { kind: DeliveryEventKind.PROGRESS } });
        assert.equal((await store.get(message.id))?.error?.code, ErrorCode.TIMEOUT);
        await store.transition(message.id, {
          attempts: 2,
          event: { status: MessageStatus.SUBMITTED },
        });
        assert.equal((await store.get(message.id))?.error, undefined);
      }),
    );

    test(
      "a terminal status is final; a later report is kept as history",
      withStore(async (store, reopen) => {
        const { message } = newMessage();
        await store.accept([newMessageOf(message)]);
        await store.transition(message.id, {
          attempts: 1,
          event: { status: MessageStatus.DELIVERED },
        });
        const late = await store.transition(message.id, {
          attempts: 9,
          event: {
            status: MessageStatus.FAILED,
            error: errorDetail(ErrorCode.PROVIDER_REJECTED, "UNDELIV", { retryable: false }),
          },
        });
        assert.equal(late?.state.status, MessageStatus.DELIVERED);
        assert.equal(late?.event?.kind, DeliveryEventKind.PROGRESS);
        assert.equal(late?.event?.status, MessageStatus.DELIVERED);
        assert.equal(late?.event?.detail?.late_report, "true");
        assert.equal(late?.event?.detail?.reported_status, "FAILED");
        assert.equal(late?.event?.error?.code, ErrorCode.PROVIDER_REJECTED);
        const again = await reopen();
        const got = await again.get(message.id);
        assert.equal(got?.status, MessageStatus.DELIVERED);
        assert.equal(got?.attempts, 1);
        assert.equal(got?.error, undefined);
        const history = await again.history(message.id);
        assert.deepEqual(
          history.map((e) => [DeliveryEventKind[e.kind], MessageStatus[e.status]]),
          [
            ["STATUS", "ACCEPTED"],
            ["STATUS", "DELIVERED"],
            ["PROGRESS", "DELIVERED"],
          ],
        );
      }),
    );

    test(
      "an attempt's intent is no event, and a restart knows the attempt's outcome is unknown",
      withStore(async (store, reopen) => {
        const sent = newMessage();
        const answered = newMessage();
        await store.accept([sent, answered]);
        const intent = await store.transition(sent.message.id, { started: 1 });
        assert.equal(intent?.event, undefined);
        assert.equal(intent?.state.started, 1);
        await store.transition(answered.message.id, { started: 1 });
        await store.transition(answered.message.id, {
          attempts: 1,
          event: { status: MessageStatus.SUBMITTED },
        });
        const again = await reopen();
        const unfinished = await again.unfinished();
        const byId = new Map(unfinished.map((u) => [u.message.id, u]));
        assert.equal(lostAttempt(byId.get(sent.message.id)!.state), true);
        assert.equal(lostAttempt(byId.get(answered.message.id)!.state), false);
        assert.equal((await again.history(sent.message.id)).length, 1);
      }),
    );

    test(
      "events keep their order; eventsAfter pages by sequence and filters by tenant, message and channel",
      withStore(async (store) => {
        const sms = newMessage();
        const mail = newMessage({
          channel: Channel.EMAIL,
          to: { kind: { case: "email", value: "a@b.c" } },
        });
        const other = newMessage({ tenant: "globex" });
        await store.accept([sms, mail, other]);
        for (let i = 0; i < 5; i++) {
          await store.transition(sms.message.id, {
            event: { kind: DeliveryEventKind.PROGRESS, detail: { i: String(i) } },
          });
        }
        const all = await store.eventsAfter(0, { tenant: "acme" }, 100);
        assert.equal(all.length, 7);
        const sequences = all.map((e) => e.sequence);
        assert.deepEqual(
          [...sequences].sort((a, b) => a - b),
          sequences,
        );
        assert.equal(new Set(sequences).size, sequences.length);
        assert.ok(all.every((e) => e.tenant === "acme"));
        const page = await store.eventsAfter(all[2]!.sequence, { tenant: "acme" }, 2);
        assert.deepEqual(
          page.map((e) => e.sequence),
          [all[3]!.sequence, all[4]!.sequence],
        );
        const onlyMail = await store.eventsAfter(
          0,
          { tenant: "acme", channels: [Channel.EMAIL] },
          100,
        );
        assert.deepEqual(
          onlyMail.map((e) => e.messageId),
          [mail.message.id],
        );
        const onlySms = await store.eventsAfter(
          0,
          { tenant: "acme", messageIds: [sms.message.id] },
          3,
        );
        assert.equal(onlySms.length, 3);
        assert.ok(onlySms.every((e) => e.messageId === sms.message.id));
        const history = await store.history(sms.message.id);
        assert.deepEqual(
          history.slice(1).map((e) => e.detail?.i),
          ["0", "1", "2", "3", "4"],
        );
      }),
    );

    test(
      "an event of no message is stored for its tenant, and one without a tenant is seen by none",
      withStore(async (store) => {
        const inbound = await store.record({
          messageId: "in_1",
          tenant: "acme",
          channel: Channel.SMS,
          kind: DeliveryEventKind.INBOUND,
          from: create(AddressSchema, { kind: { case: "phone", value: "+15550100" } }),
          text: "STOP",
        });
        assert.ok(inbound.sequence > 0);
        await store.record({ kind: DeliveryEventKind.STATUS, detail: { unmatched: "true" } });
        const seen = await store.eventsAfter(0, { tenant: "acme" }, 10);
        assert.equal(seen.length, 1);
        assert.equal(seen[0]!.text, "STOP");
        assert.equal(seen[0]!.from?.kind.value, "+15550100");
        assert.equal(seen[0]!.kind, DeliveryEventKind.INBOUND);
      }),
    );

    test(
      "a provider id may belong to several messages: newest first, with addresses, until it expires",
      withStore(async (store) => {
        const older = newMessage();
        const newer = newMessage();
        await store.accept([older, newer]);
        const now = Date.now();
        await store.correlate(
          "sms",
          [{ providerId: "5", messageId: older.message.id, address: "447700900001" }],
          now + 60_000,
        );
        await new Promise((resolve) => setTimeout(resolve, 5));
        await store.correlate(
          "sms",
          [{ providerId: "5", messageId: newer.message.id, address: "447700900002" }],
          now + 60_000,
        );
        const found = await store.correlations("sms", "5", Date.now());
        assert.deepEqual(
          found.map((c) => [c.messageId, c.address, c.waiting]),
          [
            [newer.message.id, "447700900002", true],
            [older.message.id, "447700900001", true],
          ],
        );
        assert.ok(found[0]!.correlatedAt >= found[1]!.correlatedAt);
        assert.deepEqual(await store.correlations("other-route", "5", Date.now()), []);
        await store.transition(older.message.id, { event: { status: MessageStatus.DELIVERED } });
        const afterDelivery = await store.correlations("sms", "5", Date.now());
        assert.equal(afterDelivery.find((c) => c.messageId === older.message.id)?.waiting, false);
        assert.deepEqual(await store.correlations("sms", "5", now + 60_001), [], "expired");
        assert.equal(await store.purgeCorrelations(now + 60_001), 2);
        assert.deepEqual(await store.correlations("sms", "5", Date.now()), []);
      }),
    );

    test(
      "find lists a tenant's messages to a recipient, newest first, phone numbers by their digits",
      withStore(async (store, reopen) => {
        const base = Date.now() - 10_000;
        const to = (phone: string) => ({ kind: { case: "phone" as const, value: phone } });
        const sent = (i: number, init: MessageInitShape<typeof MessageSchema> = {}) =>
          newMessage({
            id: newMessageId(base + i * 1000),
            to: to("+447700900123"),
            ...init,
          } as MessageInitShape<typeof MessageSchema>);
        const [first, second, third] = [sent(0), sent(1), sent(2)];
        const elsewhere = sent(3, { to: to("+447700900999") });
        const otherTenant = sent(4, { tenant: "globex" });
        const email = sent(5, {
          channel: Channel.EMAIL,
          to: { kind: { case: "email", value: "Ann@Example.com" } },
        });
        for (const item of [first, second, third, elsewhere, otherTenant, email])
          await store.accept([item]);
        await store.transition(second.message.id, {
          attempts: 1,
          event: { status: MessageStatus.DELIVERED },
        });
        const ids = (found: readonly Message[]) => found.map((m) => m.id);
        const byPhone = await store.find({ tenant: "acme", recipient: "447700900123" }, 10);
        assert.deepEqual(
          ids(byPhone),
          [third, second, first].map((m) => m.message.id),
        );
        assert.equal(byPhone[1]!.status, MessageStatus.DELIVERED, "with its current status");
        assert.equal(byPhone[0]!.content?.text, "héllo 👋", "with its body");
        assert.deepEqual(
          ids(await store.find({ tenant: "acme", recipient: "+44 7700 900123" }, 2)),
          [third, second].map((m) => m.message.id),
          "the newest `limit`, however the number is written",
        );
        assert.deepEqual(
          ids(await store.find({ tenant: "globex", recipient: "+447700900123" }, 10)),
          [otherTenant.message.id],
        );
        const again = await reopen();
        assert.deepEqual(
          ids(await again.find({ tenant: "acme", recipient: "ann@example.COM" }, 10)),
          [email.message.id],
        );
        assert.deepEqual(await again.find({ tenant: "acme", recipient: "+15550100" }, 10), []);
      }),
    );

    test(
      "find lists a tenant's messages a provider id was given to, newest correlation first",
      withStore(async (store) => {
        const [older, newer, other, otherTenant] = [
          newMessage(),
          newMessage(),
          newMessage(),
          newMessage({ tenant: "globex" }),
        ];
        await store.accept([older, newer, other, otherTenant]);
        const expires = Date.now() + 60_000;
        const give = async (route: string, providerId: string, item: NewMessage) => {
          await store.transition(item.message.id, {
            attempts: 1,
            providerMessageId: providerId,
            event: { status: MessageStatus.SUBMITTED, providerMessageId: providerId },
          });
          await store.correlate(
            route,
            [{ providerId, messageId: item.message.id, address: "447700900123" }],
            expires,
          );
          await new Promise((resolve) => setTimeout(resolve, 5));
        };
        await give("sms", "p-7", older);
        await give("sms-backup", "p-7", otherTenant);
        await give("sms-backup", "p-7", newer);
        await give("sms", "p-8", other);
        const found = await store.find({ tenant: "acme", providerMessageId: "p-7" }, 10);
        assert.deepEqual(
          found.map((m) => m.id),
          [newer.message.id, older.message.id],
          "across routes, the tenant's only",
        );
        assert.equal(found[0]!.status, MessageStatus.SUBMITTED);
        assert.equal(found[0]!.providerMessageId, "p-7");
        assert.deepEqual(
          (await store.find({ tenant: "acme", providerMessageId: "p-7" }, 1)).map((m) => m.id),
          [newer.message.id],
        );
        assert.deepEqual(await store.find({ tenant: "acme", providerMessageId: "p-9" }, 10), []);
      }),
    );

    test(
      "unfinished messages come back with body and state after a reopen; finished ones do not",
      withStore(async (store, reopen) => {
        const waiting = newMessage({ priority: 7 });
        const submitted = newMessage();
        const done = newMessage();
        await store.accept([waiting, submitted, done]);
        await store.transition(submitted.message.id, {
          attempts: 1,
          event: { status: MessageStatus.SUBMITTED },
        });
        await store.transition(done.message.id, {
          attempts: 1,
          event: { status: MessageStatus.FAILED },
        });
        const again = await reopen();
        const unfinished = await again.unfinished();
        assert.deepEqual(
          unfinished.map((u) => u.message.id).sort(),
          [waiting.message.id, submitted.message.id].sort(),
        );
        const w = unfinished.find((u) => u.message.id === waiting.message.id)!;
        assert.equal(w.message.priority, 7);
        assert.equal(w.message.content?.text, "héllo 👋");
        assert.equal(w.state.status, MessageStatus.ACCEPTED);
        const s = unfinished.find((u) => u.message.id === submitted.message.id)!;
        assert.equal(s.message.status, MessageStatus.SUBMITTED);
        assert.equal(s.state.attempts, 1);
      }),
    );

    test(
      "expiredBefore lists unfinished messages past their validity, oldest first, up to a limit",
      withStore(async (store) => {
        const now = Date.now();
        const soon = newMessage({ expiresAt: timestampFromMs(now + 10) });
        const sooner = newMessage({ expiresAt: timestampFromMs(now + 5) });
        const later = newMessage({ expiresAt: timestampFromMs(now + 60_000) });
        const finished = newMessage({ expiresAt: timestampFromMs(now + 1) });
        await store.accept([soon, sooner, later, finished]);
        await store.transition(finished.message.id, { event: { status: MessageStatus.DELIVERED } });
        assert.deepEqual(await store.expiredBefore(now + 20, 10), [
          sooner.message.id,
          soon.message.id,
        ]);
        assert.deepEqual(await store.expiredBefore(now + 20, 1), [sooner.message.id]);
      }),
    );

    test(
      "concurrent writers on one message: every change lands, in the order it was made",
      withStore(async (store, reopen) => {
        const { message } = newMessage();
        await store.accept([newMessageOf(message)]);
        const writes = Array.from({ length: 50 }, (_, i) =>
          store.transition(message.id, {
            event:
              i === 49
                ? { status: MessageStatus.DELIVERED }
                : { kind: DeliveryEventKind.PROGRESS, detail: { i: String(i) } },
          }),
        );
        const outcomes = await Promise.all(writes);
        const sequences = outcomes.map((o) => o!.event!.sequence);
        assert.deepEqual(
          [...sequences].sort((a, b) => a - b),
          sequences,
        );
        const again = await reopen();
        const history = await again.history(message.id);
        assert.equal(history.length, 51);
        assert.equal(history.at(-1)!.status, MessageStatus.DELIVERED);
        assert.equal((await again.get(message.id))?.status, MessageStatus.DELIVERED);
      }),
    );
  });
}

function newMessageOf(message: Message): NewMessage {
  return { message, body: toBinary(MessageSchema, message) };
}

import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import {
  type Address,
  AddressSchema,
  Channel,
  DeliveryEventKind,
} from "../gen/hermes/v1/message_pb.js";
import { SuppressionReason } from "../gen/hermes/v1/suppression_service_pb.js";
import type { EventRecord } from "../store/event-record.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { defaultKeywords, KeywordMatcher } from "./keywords.js";
import { SuppressionList } from "./suppression-list.js";

const log = pino({ level: "silent" });
const phone = (value: string) => create(AddressSchema, { kind: { case: "phone", value } });
const chat = (value: string) => create(AddressSchema, { kind: { case: "chatId", value } });

async function open() {
  const store = new SqliteStore({ path: ":memory:" });
  const list = await SuppressionList.open(
    store.suppressions,
    new KeywordMatcher(defaultKeywords),
    log,
  );
  return { store, list };
}

function inbound(from: Address, text: string): EventRecord {
  return {
    sequence: 1,
    messageId: "in_1",
    tenant: "acme",
    channel: Channel.SMS,
    kind: DeliveryEventKind.INBOUND,
    status: 0,
    time: Date.now(),
    providerMessageId: "",
    from,
    text,
  };
}

test("an entry holds back its channel (or every one), for its tenant only, whatever the spelling", async () => {
  const { store, list } = await open();
  await list.add("acme", phone("+447700900123"), {
    channel: Channel.SMS,
    reason: SuppressionReason.MANUAL,
    note: "",
    actor: "api:ops",
  });
  assert.equal(list.match("acme", Channel.SMS, phone("+44 7700 900123"))?.channel, Channel.SMS);
  assert.equal(list.match("acme", Channel.CHAT, chat("447700900123")), undefined, "SMS only");
  assert.equal(list.match("globex", Channel.SMS, phone("+447700900123")), undefined);
  await list.add("acme", phone("+447700900123"), {
    channel: Channel.UNSPECIFIED,
    reason: SuppressionReason.MANUAL,
    note: "",
    actor: "api:ops",
  });
  assert.ok(list.match("acme", Channel.CHAT, chat("447700900123")), "every channel");
  const reopened = await SuppressionList.open(
    store.suppressions,
    new KeywordMatcher(defaultKeywords),
    log,
  );
  assert.ok(reopened.match("acme", Channel.CHAT, chat("+447700900123")), "loaded from the store");
  await store.close();
});

test("STOP suppresses the sender on its channel, STOPALL on all; START lifts opt-outs only", async () => {
  const { store, list } = await open();
  const ann = phone("+447700900123");
  await list.inbound("sms", inbound(ann, "stop"));
  assert.equal(list.match("acme", Channel.SMS, ann)?.reason, SuppressionReason.OPT_OUT);
  assert.equal(list.match("acme", Channel.CHAT, chat("447700900123")), undefined);
  await list.inbound("sms", inbound(ann, "STOPALL"));
  assert.ok(list.match("acme", Channel.CHAT, chat("447700900123")));
  await list.inbound("sms", inbound(ann, "hello there"));
  assert.equal(list.list("acme", { limit: 10 }).entries.length, 2, "other texts change nothing");
  await list.add("acme", ann, {
    channel: Channel.EMAIL,
    reason: SuppressionReason.MANUAL,
    note: "",
    actor: "api:ops",
  });
  await list.inbound("sms", inbound(ann, "Start"));
  assert.equal(list.match("acme", Channel.SMS, ann), undefined);
  assert.deepEqual(
    list
      .list("acme", { limit: 10 })
      .entries.map((e) => [Channel[e.channel], SuppressionReason[e.reason]]),
    [["EMAIL", "MANUAL"]],
    "an operator's entry stays",
  );
  const trail = await list.changes("acme", 0, 10);
  assert.deepEqual(
    trail.map((c) => [c.action, c.actor]),
    [
      ["added", "route:sms"],
      ["added", "route:sms"],
      ["added", "api:ops"],
      ["removed", "route:sms"],
      ["removed", "route:sms"],
    ],
  );
  await store.close();
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { MessageSchema, type Message } from "../gen/hermes/v1/message_pb.js";
import { RouteState } from "../gen/hermes/v1/admin_service_pb.js";
import type { ChannelAdapter, SendOutcome } from "./adapter.js";
import { type FeederHooks, RouteFeeder } from "./route-feeder.js";

/** An adapter with a window: sends stay open until the test completes them. */
function windowedAdapter(window: number) {
  const open: Array<{ message: Message; done: (o: SendOutcome) => void }> = [];
  let maxOpen = 0;
  const adapter: ChannelAdapter = {
    type: "test",
    start: async () => {},
    demand: () => window - open.length,
    send: (message) =>
      new Promise<SendOutcome>((done) => {
        open.push({ message, done });
        maxOpen = Math.max(maxOpen, open.length);
      }),
    health: () => ({ state: RouteState.UP }),
    stop: async () => {},
  };
  return { adapter, open, maxOpen: () => maxOpen };
}

const msg = (id: string, priority = 0) => create(MessageSchema, { id, priority });

/** Hooks that record intents at once and collect outcomes. */
function hooks(onOutcome: FeederHooks["onOutcome"], intents: string[] = []): FeederHooks {
  return {
    beforeSend: async (m, attempt) => void intents.push(`${m.id}#${attempt}`),
    onOutcome,
    onHookError: (_m, reason) => {
      throw reason;
    },
  };
}

test("never more sends outstanding than the adapter's demand; completions pull the next", async () => {
  const { adapter, open, maxOpen } = windowedAdapter(3);
  const finished: string[] = [];
  const intents: string[] = [];
  const feeder = new RouteFeeder(
    adapter,
    hooks(async (m) => void finished.push(m.id), intents),
  );
  for (let i = 0; i < 10; i++) feeder.enqueue(msg(`m${i}`));
  assert.equal(open.length, 0, "nothing leaves before its intent is recorded");
  assert.equal(feeder.inFlight, 0);
  assert.equal(feeder.queued, 10);
  await new Promise((r) => setImmediate(r));
  assert.equal(open.length, 3);
  assert.equal(feeder.inFlight, 3);
  // While the window is full, the next window's intents are recorded ahead.
  assert.equal(feeder.queued, 7);
  assert.deepEqual(intents.slice(3), ["m3#1", "m4#1", "m5#1"]);
  open.shift()!.done({ kind: "delivered" });
  await new Promise((r) => setImmediate(r));
  assert.equal(open.length, 3, "a freed slot takes a prepared message at once");
  assert.equal(open.at(-1)!.message.id, "m3");
  while (open.length > 0) {
    open.shift()!.done({ kind: "delivered" });
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(finished.length, 10);
  assert.equal(maxOpen(), 3);
  assert.deepEqual(
    intents,
    Array.from({ length: 10 }, (_, i) => `m${i}#1`),
  );
  assert.deepEqual(
    finished,
    Array.from({ length: 10 }, (_, i) => `m${i}`),
    "FIFO within a priority",
  );
});

test("higher priority is served first; forgotten messages are skipped", async () => {
  const { adapter, open } = windowedAdapter(0);
  // An adapter that never had demand gets no intents recorded ahead.
  const feeder = new RouteFeeder(
    adapter,
    hooks(async () => {}),
  );
  feeder.enqueue(msg("low", 0));
  feeder.enqueue(msg("urgent", 9));
  feeder.enqueue(msg("mid", 5));
  feeder.enqueue(msg("gone", 5));
  feeder.forget("gone");
  assert.deepEqual(
    feeder.drain().map((m) => m.id),
    ["urgent", "mid", "low"],
  );
  assert.equal(open.length, 0, "no demand, nothing sent");
});

test("a throwing adapter becomes a retryable failure, not a crash", async () => {
  const adapter: ChannelAdapter = {
    type: "broken",
    start: async () => {},
    demand: () => 1,
    send: async () => {
      throw new Error("boom");
    },
    health: () => ({ state: RouteState.UP }),
    stop: async () => {},
  };
  const outcome = await new Promise<SendOutcome>((resolve) =>
    new RouteFeeder(
      adapter,
      hooks(async (_m, _a, o) => resolve(o)),
    ).enqueue(msg("x")),
  );
  assert.equal(outcome.kind, "failed");
  assert.equal(outcome.kind === "failed" && outcome.error.retryable, true);
  assert.match(outcome.kind === "failed" ? outcome.error.message : "", /boom/);
});

test("an attempt whose intent cannot be recorded is not sent, and fails retryably", async () => {
  const { adapter, open } = windowedAdapter(2);
  const outcome = await new Promise<SendOutcome>((resolve) => {
    const feeder = new RouteFeeder(adapter, {
      beforeSend: async () => {
        throw new Error("disk full");
      },
      onOutcome: async (_m, _a, o) => resolve(o),
      onHookError: () => {},
    });
    feeder.enqueue(msg("x"));
  });
  assert.equal(open.length, 0);
  assert.equal(outcome.kind === "failed" && outcome.error.retryable, true);
  assert.match(outcome.kind === "failed" ? outcome.error.message : "", /not sent: disk full/);
});

test("an outcome the owner cannot take goes to onHookError, not to an unhandled rejection", async () => {
  const { adapter, open } = windowedAdapter(1);
  const failed = await new Promise<unknown>((resolve) => {
    const feeder = new RouteFeeder(adapter, {
      beforeSend: async () => {},
      onOutcome: async () => {
        throw new Error("store closed");
      },
      onHookError: (_m, reason) => resolve(reason),
    });
    feeder.enqueue(msg("x"));
    setImmediate(() => open.shift()!.done({ kind: "delivered" }));
  });
  assert.match(String(failed), /store closed/);
});

test("a message whose intent says it is no longer to be sent is dropped, and the next one goes", async () => {
  const { adapter, open } = windowedAdapter(1);
  const outcomes: string[] = [];
  const feeder = new RouteFeeder(adapter, {
    beforeSend: async (m) => m.id !== "cancelled",
    onOutcome: async (m) => void outcomes.push(m.id),
    onHookError: (_m, reason) => {
      throw reason;
    },
  });
  feeder.enqueue(msg("cancelled"));
  feeder.enqueue(msg("next"));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    open.map((o) => o.message.id),
    ["next"],
    "the dropped message never reaches the adapter and frees its demand",
  );
  open.shift()!.done({ kind: "delivered" });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(outcomes, ["next"], "a dropped message has no outcome to record");
  assert.equal(feeder.inFlight, 0);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { DueQueue } from "./due-queue.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("keys come due in time order, each once, and never before their time", async () => {
  const fired: Array<[string, number]> = [];
  const queue = new DueQueue((keys) => {
    for (const key of keys) fired.push([key, Date.now()]);
  });
  const start = Date.now();
  const at = { c: start + 60, a: start + 20, b: start + 40 };
  for (const [key, time] of Object.entries(at)) queue.add(key, time);
  assert.equal(queue.size, 3);
  await sleep(150);
  assert.deepEqual(
    fired.map(([key]) => key),
    ["a", "b", "c"],
  );
  for (const [key, time] of fired) assert.ok(time >= at[key as keyof typeof at], `${key} early`);
  assert.equal(queue.size, 0);
  queue.stop();
});

test("a deleted key never comes due; adding a key again moves it", async () => {
  const fired: string[] = [];
  const queue = new DueQueue((keys) => fired.push(...keys));
  const now = Date.now();
  queue.add("gone", now + 20);
  queue.add("later", now + 10);
  queue.add("sooner", now + 500);
  assert.equal(queue.delete("gone"), true);
  assert.equal(queue.delete("gone"), false);
  queue.add("later", now + 80);
  queue.add("sooner", now + 30);
  await sleep(50);
  assert.deepEqual(fired, ["sooner"]);
  await sleep(80);
  assert.deepEqual(fired, ["sooner", "later"]);
  assert.equal(queue.has("gone"), false);
  queue.stop();
});

test("a burst comes in batches, one per turn of the event loop", async () => {
  const batches: number[] = [];
  const turns: number[] = [];
  let turn = 0;
  let done = false;
  const tick = () => {
    turn++;
    if (!done) setImmediate(tick);
  };
  const queue = new DueQueue(
    (keys) => {
      batches.push(keys.length);
      turns.push(turn);
    },
    { batch: 500 },
  );
  const now = Date.now();
  for (let i = 0; i < 1200; i++) queue.add(`m${i}`, now);
  tick();
  while (batches.reduce((a, b) => a + b, 0) < 1200) await new Promise((r) => setImmediate(r));
  done = true;
  assert.deepEqual(batches, [500, 500, 200]);
  assert.equal(new Set(turns).size, 3, "each batch in a turn of its own");
  queue.stop();
});

test("many keys, many deletions: one timer armed at a time, and the live keys still come due", async () => {
  const original = { set: globalThis.setTimeout, clear: globalThis.clearTimeout };
  const live = new Set<unknown>();
  let most = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    const timer = original.set(() => {
      live.delete(timer);
      fn();
    }, ms);
    live.add(timer);
    most = Math.max(most, live.size);
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer: NodeJS.Timeout | undefined) => {
    live.delete(timer);
    original.clear(timer);
  }) as typeof clearTimeout;
  const fired: string[] = [];
  const queue = new DueQueue((keys) => fired.push(...keys));
  try {
    const now = Date.now();
    for (let i = 0; i < 10_000; i++) queue.add(`m${i}`, now + 30 + (i % 97));
    for (let i = 0; i < 10_000; i++) if (i % 10 !== 0) queue.delete(`m${i}`);
    for (let i = 0; i < 3000; i++) queue.add(`x${i}`, now + 2000 + i); // forces a rebuild
    for (let i = 0; i < 3000; i++) queue.delete(`x${i}`);
    assert.equal(queue.size, 1000);
    await new Promise((resolve) => original.set(resolve, 200));
  } finally {
    queue.stop();
    globalThis.setTimeout = original.set;
    globalThis.clearTimeout = original.clear;
  }
  assert.equal(most, 1, "one timer at a time");
  assert.equal(fired.length, 1000);
  assert.ok(fired.every((key) => Number(key.slice(1)) % 10 === 0));
});

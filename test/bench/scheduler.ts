// Messages sent for later and cascades, in one gateway process (SQLite,
// synchronous FULL as `npm start` runs it) on one CHAT route whose adapter
// delivers every message at once, so what is measured is the gateway:
//
// - scheduled_rss_mb_per_100k: resident memory the gateway holds for 100,000
//   messages waiting for their send_at (after GC, against the same gateway
//   before them), and the V8 heap share of it.
// - fire_lag_p99_ms (p50, max too): the same 100,000 come due within one
//   minute; a message's lag is from its send_at to its adapter's send.
// - cascade_overhead_ratio: messages/s of single-step cascades against plain
//   Sends, each Send (SendBatch of 100 over Connect, 4 callers) counted when
//   its message (for a cascade: its parent) is DELIVERED. Five interleaved
//   rounds, the median counts; higher is better, 1 means no overhead.
//   cascade_cpu_overhead_ratio compares messages per second of the process's
//   CPU instead, which a busy shared machine disturbs less.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { pino } from "pino";
import { type ChannelAdapter, parseConfig, startGateway, type Gateway } from "@hermes/runtime";
import {
  Channel,
  type Message,
  MessageSchema,
  MessageStatus,
  RouteState,
} from "@hermes/runtime/contracts";
import { keys, testApiKeys, clients } from "../support/gateway-harness.js";
import { median } from "./_measure.js";

const scheduled = 100_000;
const windowMs = 60_000;
const cascadeMessages = 5000;
const batch = 100;
const callers = 4;
const rounds = 5;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Delivers at once, and notes when each message was first sent. */
class InstantAdapter implements ChannelAdapter {
  readonly type = "instant";
  readonly sentAt = new Map<string, number>();
  async start(): Promise<void> {}
  demand(): number {
    return 1000;
  }
  async send(message: Message) {
    if (!this.sentAt.has(message.id)) this.sentAt.set(message.id, Date.now());
    return { kind: "delivered" as const };
  }
  health() {
    return { state: RouteState.UP };
  }
  async stop(): Promise<void> {}
}

async function gateway(dir: string, adapter: InstantAdapter): Promise<Gateway> {
  return startGateway({
    config: parseConfig({
      server: { host: "127.0.0.1", port: 0 },
      store: { path: join(dir, "hermes.db") },
      apiKeys: testApiKeys,
      logLevel: "silent",
      routes: [{ name: "chat", channel: "chat", adapter: "instant" }],
    }),
    adapters: { instant: () => adapter },
    logger: pino({ level: "silent" }),
  });
}

const chat = (i: number, extra: { sendAt?: Timestamp } = {}) =>
  create(MessageSchema, {
    channel: Channel.CHAT,
    to: { kind: { case: "chatId", value: `user-${i}` } },
    content: { text: `Your order ${i} has shipped.` },
    ...extra,
  });

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200));
}

async function memory(): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await settle();
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}

/** 100,000 messages due within one minute: memory while they wait, then how late each leaves. */
async function heldForLater(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "hermes-bench-scheduler-"));
  const adapter = new InstantAdapter();
  const gw = await gateway(dir, adapter);
  try {
    // Warm the paths up, so the baseline holds what every gateway holds.
    await gw.router.accept(
      "acme",
      Array.from({ length: 1000 }, (_, i) => chat(i)),
    );
    while (adapter.sentAt.size < 1000) await settle();
    const before = await memory();
    const firstDue = Date.now() + 40_000;
    const due = new Map<string, number>();
    for (let i = 0; i < scheduled; i += 1000) {
      const messages = Array.from({ length: 1000 }, (_, j) => {
        const at = firstDue + Math.floor(((i + j) / scheduled) * windowMs);
        return chat(i + j, { sendAt: timestampFromMs(at) });
      });
      for (const outcome of await gw.router.accept("acme", messages)) {
        if (!outcome.ok || outcome.message.status !== MessageStatus.QUEUED)
          throw new Error(
            `not held for later: ${outcome.ok ? outcome.message.status : outcome.error.message}`,
          );
        due.set(outcome.message.id, timestampMs(outcome.message.nextAttemptAt!));
      }
    }
    if (Date.now() > firstDue) throw new Error("accepting took longer than the lead time");
    const after = await memory();
    const per100k = scheduled / 100_000;
    while (adapter.sentAt.size < 1000 + scheduled) {
      if (Date.now() > firstDue + windowMs + 60_000)
        throw new Error(`only ${adapter.sentAt.size - 1000} left`);
      await settle();
    }
    const lags = [...due].map(([id, at]) => adapter.sentAt.get(id)! - at).sort((a, b) => a - b);
    const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]!;
    return {
      scheduled_rss_mb_per_100k: (after.rss - before.rss) / 2 ** 20 / per100k,
      scheduled_heap_mb_per_100k: (after.heap - before.heap) / 2 ** 20 / per100k,
      fire_lag_p50_ms: at(0.5),
      fire_lag_p99_ms: at(0.99),
      fire_lag_max_ms: lags.at(-1)!,
      fire_early: lags.filter((lag) => lag < 0).length,
    };
  } finally {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Messages/s of `count` Sends built by `build`, until every one is DELIVERED,
 * and messages per second of this process's CPU (steadier on a shared machine).
 */
async function throughput(
  gw: Gateway,
  build: (i: number) => Message,
  count: number,
): Promise<{ wall: number; cpu: number }> {
  const { messages } = clients(gw.url, keys.all);
  const ids: string[] = [];
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < count) {
        const first = next;
        next += batch;
        const { results } = await messages.sendBatch({
          messages: Array.from({ length: Math.min(batch, count - first) }, (_, j) =>
            build(first + j),
          ),
        });
        for (const r of results) if (r.result.case === "message") ids.push(r.result.value.id);
      }
    }),
  );
  // Messages finish about in the order they were sent: check from the oldest one not yet done.
  for (let i = 0; i < ids.length; ) {
    const message = await gw.store.get(ids[i]!);
    if (message?.status === MessageStatus.DELIVERED) i++;
    else await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const used = process.cpuUsage(cpu);
  return {
    wall: count / ((performance.now() - started) / 1000),
    cpu: count / ((used.user + used.system) / 1e6),
  };
}

async function cascadeOverhead(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "hermes-bench-cascade-"));
  const gw = await gateway(dir, new InstantAdapter());
  const plain = (i: number) => chat(i);
  const cascade = (i: number) =>
    create(MessageSchema, {
      content: { text: `Your order ${i} has shipped.` },
      cascade: {
        steps: [{ channel: Channel.CHAT, to: { kind: { case: "chatId", value: `user-${i}` } } }],
      },
    });
  try {
    await throughput(gw, plain, 1000);
    await throughput(gw, cascade, 1000);
    const plainRuns: Array<{ wall: number; cpu: number }> = [];
    const cascadeRuns: Array<{ wall: number; cpu: number }> = [];
    for (let round = 0; round < rounds; round++) {
      plainRuns.push(await throughput(gw, plain, cascadeMessages));
      cascadeRuns.push(await throughput(gw, cascade, cascadeMessages));
    }
    const wall = (runs: typeof plainRuns) => median(runs.map((r) => r.wall));
    const cpu = (runs: typeof plainRuns) => median(runs.map((r) => r.cpu));
    return {
      plain_msgs_per_s: wall(plainRuns),
      cascade_msgs_per_s: wall(cascadeRuns),
      cascade_overhead_ratio: wall(cascadeRuns) / wall(plainRuns),
      cascade_cpu_overhead_ratio: cpu(cascadeRuns) / cpu(plainRuns),
    };
  } finally {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function (): Promise<Record<string, number>> {
  const overhead = await cascadeOverhead();
  const held = await heldForLater();
  return { ...held, ...overhead };
}

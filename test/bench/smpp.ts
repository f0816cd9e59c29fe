// submit_sm per second through a Hermes SMPP session (the driver layer:
// adapter.send -> session actor -> window -> socket, with encoding, window
// accounting and response matching) against the raw npm `smpp` client doing
// the same submits with the same window, both against the same SMSC
// simulator in this run. No receipts (registered_delivery 0), so only
// submit_sm / submit_sm_resp are timed. Each round runs both sides back to
// back; the ratio is the median of the rounds' ratios (so load from other
// processes drifting during the run cancels out), the rates are medians.
//
// The codec alone: encoding a submit_sm and decoding its submit_sm_resp,
// the work the session does per part, with the hand-written codec and with
// npm `smpp`'s (same fields, same bytes), in one loop each, alternating.
//
// Then a reference on a cheap SMSC, for later comparisons of the gateway
// against the same one: the raw npm `smpp` client at window 100 against the
// benchmark SMSC (startBenchSmsc: raw node:net and the hand-written codec,
// in a process of its own), with the CPU each side spends per submit.
//
// Then the full carrier: the real gateway (startTestGateway) with one `smpp`
// route, window 100, no token bucket, synchronous FULL, on the benchmark
// SMSC. Messages go in through Router.accept, the accept path the Send API
// calls, without HTTP, so the figure is about the carrier: validation, the
// SQLite store with its group commit, the router's feeder, the session and
// its window, and for each submit a receipt that the driver maps, the
// correlator matches and the router records, until every message is
// DELIVERED. Progress is read from the database file by a second connection,
// as another process would see it (only what is committed counts).
// carrier_vs_raw_ratio is its DELIVERED rate against the raw client's submit
// rate on the same SMSC.
//
// Then a drain: a gateway process with 20,000 messages queued while its
// SMSC is down drains them once the SMSC starts (no receipts); its own CPU
// per message is drain_cpu_us_per_message. Last, the memory of a full
// backlog: 100,000 messages queued for an SMSC that never comes up, the
// gateway's RSS, and one more Send refused (backlog_100k_rss_mb).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import Database from "better-sqlite3";
import smpp, { type PDU } from "smpp";
import { Channel, type Message, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { decodePdu, encodePdu, type SubmitSm } from "@hermes/runtime/drivers";
import { SmscSimulator, startBenchSmsc } from "@hermes/runtime/simulators";
import { startTestGateway } from "../support/gateway-harness.js";
import { spawnGateway } from "../support/gateway-process.js";
import { sendAll, startCarrier, until } from "../smpp/support.js";
import { median, processCpuUs } from "./_measure.js";
import { benchClient, benchKey, freePort, writeBenchConfig } from "./support/bench-gateway.js";

const text = "Your verification code is 123456. It expires in 10 minutes.";
const counts = { 100: 20_000, 1: 5_000 } as const;
const rounds = 5;
const carrierCount = 20_000;
const drainCount = 20_000;

const destination = (i: number) => `4477009${String(i % 100000).padStart(5, "0")}`;
const sms = (i: number): Message =>
  create(MessageSchema, {
    id: `m${i}`,
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: `+${destination(i)}` } },
    content: { text },
  });

async function hermes(port: number, window: number, n: number): Promise<number> {
  const { adapter, close } = await startCarrier({
    host: "127.0.0.1",
    port,
    systemId: "bench",
    window,
    registeredDelivery: 0,
    sendValidity: false,
  });
  await until(() => adapter.demand() > 0, "bind");
  const messages: Message[] = Array.from({ length: n }, (_, i) => sms(i));
  const started = performance.now();
  // As the router's feeder: as many sends as demand() allows, again whenever a send completes.
  const outcomes = await sendAll(adapter, messages);
  const rate = n / ((performance.now() - started) / 1000);
  await close();
  const unexpected = outcomes.find((outcome) => outcome.kind !== "submitted");
  if (unexpected) throw new Error(`unexpected ${unexpected.kind}`);
  return rate;
}

async function raw(port: number, window: number, n: number): Promise<number> {
  const session = smpp.connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) =>
    session.send(
      new smpp.PDU("bind_transceiver", { system_id: "bench", password: "" }),
      (pdu: PDU) => (pdu.command_status === 0 ? resolve() : reject(new Error("bind"))),
    ),
  );
  let sent = 0;
  let done = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const submit = () => {
      const i = sent++;
      session.send(
        new smpp.PDU("submit_sm", {
          destination_addr: destination(i),
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          data_coding: 0,
          short_message: text,
        }),
        () => {
          if (++done === n) resolve();
          else if (sent < n) submit();
        },
      );
    };
    for (let i = 0; i < Math.min(window, n); i++) submit();
  });
  const rate = n / ((performance.now() - started) / 1000);
  session.destroy();
  return rate;
}

/** A submit_sm as the driver writes one: a 60-character GSM text to an international number. */
const submitSm: SubmitSm = {
  command: "submit_sm",
  command_status: 0,
  sequence_number: 1,
  service_type: "",
  source_addr_ton: 5,
  source_addr_npi: 0,
  source_addr: "Hermes",
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: destination(1),
  esm_class: 0,
  protocol_id: 0,
  priority_flag: 0,
  schedule_delivery_time: "",
  validity_period: "",
  registered_delivery: 1,
  replace_if_present_flag: 0,
  data_coding: 0,
  sm_default_msg_id: 0,
  short_message: Buffer.from(text, "latin1"),
};
const submitSmResp = encodePdu({
  command: "submit_sm_resp",
  command_status: 0,
  sequence_number: 1,
  message_id: "1a2b3c4d",
});

/** encode(submit_sm) + decode(submit_sm_resp) per second, ours and npm smpp's. */
function codecRates(n: number): { ours: number; theirs: number } {
  const { command, ...fields } = submitSm;
  if (!encodePdu(submitSm).equals(new smpp.PDU(command, fields).toBuffer()))
    throw new Error("the codecs disagree on the submit_sm");
  let sink = 0; // read what each loop produces, so neither is optimised away
  let started = performance.now();
  for (let i = 0; i < n; i++) {
    sink += encodePdu(submitSm).length;
    const resp = decodePdu(submitSmResp);
    sink += resp.command === "submit_sm_resp" ? resp.message_id.length : 0;
  }
  const ours = n / ((performance.now() - started) / 1000);
  started = performance.now();
  for (let i = 0; i < n; i++) {
    sink += new smpp.PDU(command, fields).toBuffer().length;
    sink += String(new smpp.PDU(submitSmResp).message_id).length;
  }
  const theirs = n / ((performance.now() - started) / 1000);
  if (sink === 0) throw new Error("nothing encoded");
  return { ours, theirs };
}

/**
 * The raw client against the benchmark SMSC: submits per second, and CPU µs per submit in each
 * process.
 */
async function rawOnBenchSmsc(
  n: number,
): Promise<{ perS: number; clientUs: number; smscUs: number }> {
  const smsc = await startBenchSmsc();
  try {
    await raw(smsc.port, 100, 2_000); // warm both up
    const before = await smsc.stats();
    const cpu = process.cpuUsage();
    const perS = await raw(smsc.port, 100, n);
    const client = process.cpuUsage(cpu);
    const after = await smsc.stats();
    const smscUs = after.cpu.user - before.cpu.user + (after.cpu.system - before.cpu.system);
    return { perS, clientUs: (client.user + client.system) / n, smscUs: smscUs / n };
  } finally {
    await smsc.close();
  }
}

interface CarrierRun {
  /** Messages per second from the first accept until every message is DELIVERED. */
  readonly deliveredPerS: number;
  /** This process's CPU per message over the run: the whole gateway, and the load's harness. */
  readonly cpuUs: number;
  /** The benchmark SMSC's CPU per message over the run. */
  readonly smscUs: number;
}

/**
 * n messages through the real gateway's carrier route, until all are DELIVERED (see the top of the
 * file).
 */
async function carrier(n: number): Promise<CarrierRun> {
  const smsc = await startBenchSmsc();
  const gw = await startTestGateway({
    store: { synchronous: "FULL" },
    routes: [
      {
        name: "carrier",
        channel: "sms",
        adapter: "smpp",
        tenants: ["acme"],
        config: {
          host: "127.0.0.1",
          port: smsc.port,
          systemId: "bench",
          window: 100,
          throughput: 0,
        },
      },
    ],
  });
  const watcher = new Database(join(gw.dir, "hermes.db"), { readonly: true });
  try {
    const { adapter } = gw.gateway.router.routes[0]!;
    while (adapter.demand() === 0) await new Promise((r) => setTimeout(r, 1));
    // On the partial index of unfinished messages.
    const unfinished = watcher.prepare("SELECT count(*) FROM messages WHERE done = 0").pluck();
    const batches = Array.from({ length: Math.ceil(n / 500) }, (_, b) =>
      Array.from({ length: Math.min(500, n - b * 500) }, (_, i) => sms(b * 500 + i)),
    );
    const smscBefore = await smsc.stats();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const accepted = Promise.all(batches.map((batch) => gw.gateway.router.accept("acme", batch)));
    let stored = false; // until every batch is stored (or refused), a zero count means nothing
    const settled = () => {
      stored = true;
    };
    void accepted.then(settled, settled);
    // Counting unfinished rows costs this process CPU: every 25 ms is often enough.
    for (;;) {
      await new Promise((r) => setTimeout(r, 25));
      if (stored && unfinished.get() === 0) break;
    }
    const deliveredAt = performance.now();
    const used = process.cpuUsage(cpu);
    const smscAfter = await smsc.stats();
    const outcomes = (await accepted).flat();
    const delivered = watcher
      .prepare("SELECT count(*) FROM messages WHERE status = ?")
      .pluck()
      .get(MessageStatus.DELIVERED);
    if (outcomes.some((o) => !o.ok) || delivered !== n)
      throw new Error(`carrier: ${delivered} of ${n} messages DELIVERED`);
    return {
      deliveredPerS: n / ((deliveredAt - started) / 1000),
      cpuUs: (used.user + used.system) / n,
      smscUs: (cpuOf(smscAfter) - cpuOf(smscBefore)) / n,
    };
  } finally {
    watcher.close();
    await gw.close();
    await smsc.close();
  }
}

/**
 * A queued backlog drained: a gateway process (as `npm start` runs it) takes
 * `n` messages through SendBatch while its SMSC is down, then the benchmark
 * SMSC starts on the route's port, the route binds and the gateway drains
 * the queue (window 100, no receipts asked for). Counts the gateway
 * process's CPU from the SMSC's start until it has every submit.
 */
async function drain(n: number): Promise<{ perS: number; cpuUs: number }> {
  const port = await freePort();
  const bench = writeBenchConfig("drain", {
    apiKeys: [{ key: benchKey, tenant: "bench", scopes: ["send"] }],
    routes: [
      {
        name: "carrier",
        channel: "sms",
        adapter: "smpp",
        config: {
          host: "127.0.0.1",
          port,
          systemId: "bench",
          window: 100,
          throughput: 0,
          registeredDelivery: 0,
          reconnectInitialMs: 50,
          reconnectMaxMs: 50,
          maxRestarts: 1_000_000,
        },
      },
    ],
  });
  const gateway = await spawnGateway(bench.configPath, { HERMES_LOG_LEVEL: "error" });
  let smsc: Awaited<ReturnType<typeof startBenchSmsc>> | undefined;
  try {
    const client = benchClient(gateway.url);
    for (let b = 0; b < n / 1000; b++) {
      const { results } = await client.sendBatch({
        messages: Array.from({ length: 1000 }, (_, i) => sms(b * 1000 + i)),
      });
      if (results.some((r) => r.result.case !== "message"))
        throw new Error("drain: a Send was refused");
    }
    const cpu0 = processCpuUs(gateway.child.pid!);
    const started = performance.now();
    smsc = await startBenchSmsc({ port });
    for (;;) {
      await new Promise((r) => setTimeout(r, 5));
      if ((await smsc.stats()).submits >= n) break;
    }
    const elapsed = performance.now() - started;
    return { perS: n / (elapsed / 1000), cpuUs: (processCpuUs(gateway.child.pid!) - cpu0) / n };
  } finally {
    gateway.child.kill("SIGTERM");
    await gateway.exited;
    await smsc?.close();
    bench.remove();
  }
}

/**
 * A bounded backlog: a gateway process whose SMSC never comes up takes
 * messages through SendBatch until its route's queue is full (the default
 * limits.maxQueuedPerRoute, 100,000), then one more Send must be refused with
 * RESOURCE_EXHAUSTED. Reports the process's RSS before and under the full
 * backlog (from /proc).
 */
async function backlog(): Promise<{ idleRssMb: number; fullRssMb: number; refused: boolean }> {
  const bench = writeBenchConfig("backlog", {
    apiKeys: [{ key: benchKey, tenant: "bench", scopes: ["send"] }],
    routes: [
      {
        name: "carrier",
        channel: "sms",
        adapter: "smpp",
        config: {
          host: "127.0.0.1",
          port: await freePort(),
          systemId: "bench",
          maxRestarts: 1_000_000,
        },
      },
    ],
  });
  const gateway = await spawnGateway(bench.configPath, { HERMES_LOG_LEVEL: "error" });
  try {
    const client = benchClient(gateway.url);
    const idleRssMb = processRssMb(gateway.child.pid!);
    for (let b = 0; b < 100; b++) {
      const { results } = await client.sendBatch({
        messages: Array.from({ length: 1000 }, (_, i) => sms(b * 1000 + i)),
      });
      if (results.some((r) => r.result.case !== "message"))
        throw new Error("backlog: refused early");
    }
    const fullRssMb = processRssMb(gateway.child.pid!);
    const refused = await client.send({ message: sms(0) }).then(
      () => false,
      (error: ConnectError) => error.code === Code.ResourceExhausted,
    );
    return { idleRssMb, fullRssMb, refused };
  } finally {
    gateway.child.kill("SIGTERM");
    await gateway.exited;
    bench.remove();
  }
}

/** A process's resident memory, in MB, from /proc (Linux). */
function processRssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

function cpuOf(stats: { readonly cpu: NodeJS.CpuUsage }): number {
  return stats.cpu.user + stats.cpu.system;
}

export default async function bench(): Promise<Record<string, number>> {
  const metrics: Record<string, number> = {};
  codecRates(20_000); // warm both up
  const codec = Array.from({ length: rounds }, () => codecRates(100_000));
  metrics.codec_per_s = median(codec.map((r) => r.ours));
  metrics.codec_smpp_per_s = median(codec.map((r) => r.theirs));
  metrics.codec_vs_smpp_ratio = median(codec.map((r) => r.ours / r.theirs));

  const reference = [];
  for (let round = 0; round < 3; round++) reference.push(await rawOnBenchSmsc(counts[100]));
  metrics.bench_smsc_raw_submit_per_s = median(reference.map((r) => r.perS));
  metrics.bench_smsc_raw_client_cpu_us = median(reference.map((r) => r.clientUs));
  metrics.bench_smsc_cpu_us = median(reference.map((r) => r.smscUs));

  const smsc = await SmscSimulator.start({ behaviour: { record: false } });
  try {
    for (const window of [100, 1] as const) {
      const ours: number[] = [];
      const theirs: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        // Alternate who goes first, so neither side always gets the warmer process.
        const [a, b] = round % 2 === 0 ? [raw, hermes] : [hermes, raw];
        const first = await a(smsc.port, window, counts[window]);
        const second = await b(smsc.port, window, counts[window]);
        const [h, r] = a === hermes ? [first, second] : [second, first];
        ours.push(h);
        theirs.push(r);
        ratios.push(h / r);
      }
      metrics[`window${window}_hermes_submit_per_s`] = median(ours);
      metrics[`window${window}_raw_submit_per_s`] = median(theirs);
      metrics[`window${window}_vs_raw_ratio`] = median(ratios);
    }
  } finally {
    await smsc.close();
  }

  // The gateway's durable default: synchronous FULL, an fsync per group commit.
  await carrier(2_000); // warm up
  const runs = [
    await carrier(carrierCount),
    await carrier(carrierCount),
    await carrier(carrierCount),
  ];
  metrics.carrier_delivered_per_s = median(runs.map((r) => r.deliveredPerS));
  metrics.carrier_cpu_us_per_message = median(runs.map((r) => r.cpuUs));
  metrics.carrier_smsc_cpu_us_per_message = median(runs.map((r) => r.smscUs));
  metrics.carrier_vs_raw_ratio =
    metrics.carrier_delivered_per_s / metrics.bench_smsc_raw_submit_per_s!;

  const drained = await drain(drainCount);
  metrics.drain_per_s = drained.perS;
  metrics.drain_cpu_us_per_message = drained.cpuUs;

  const held = await backlog();
  if (!held.refused) throw new Error("backlog: a Send past the full queue was not refused");
  metrics.backlog_idle_rss_mb = held.idleRssMb;
  metrics.backlog_100k_rss_mb = held.fullRssMb;
  return metrics;
}

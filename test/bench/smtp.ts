// Email into KumoMTA, in one run against the same simulated KumoMTA:
// - the Hermes smtp driver (supervised session, nodemailer pool of N, fed by
//   the router's own demand-driven RouteFeeder) against a raw nodemailer pool
//   of N given every message at once: messages injected per second;
// - the log hook endpoint: KumoMTA records per second authenticated,
//   parsed, checked, deduplicated and mapped to events, in batches of 100
//   (the event store is left out: it has its own benchmark).
// Each side runs three times, interleaved; the median counts.
import { create } from "@bufbuild/protobuf";
import nodemailer from "nodemailer";
import { pino } from "pino";
import { Channel, MessageSchema, type Message } from "@hermes/runtime/contracts";
import { Supervisor } from "@hermes/runtime/kernel";
import { RouteFeeder, RouteSupervisor } from "@hermes/runtime";
import { parseSmtpDriverConfig, SmtpAdapter, LogHookReceiver } from "@hermes/runtime/drivers";
import { KumoSimulator } from "@hermes/runtime/simulators";
import { median } from "./_measure.js";

const messages = 1500;
const poolSize = 4;
const recordBatches = 200;
const recordsPerBatch = 100;
const silent = pino({ level: "silent" });

function message(i: number): Message {
  return create(MessageSchema, {
    id: `msg${i}`,
    tenant: "bench",
    channel: Channel.EMAIL,
    to: { kind: { case: "email", value: `user${i}@example.com` } },
    content: {
      subject: "Bench",
      text: "Hello from the benchmark",
      html: "<p>Hello from the benchmark</p>",
    },
  });
}

async function hermesRun(port: number): Promise<number> {
  const root = await Supervisor.start({ name: "bench", strategy: "one_for_one", logger: silent });
  const supervisor = await RouteSupervisor.start(root, "bench", silent);
  const adapter = new SmtpAdapter(
    parseSmtpDriverConfig({
      smtp: { port, starttls: "never", maxConnections: poolSize },
      from: "bench@hermes.test",
    }),
  );
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const feeder = new RouteFeeder(adapter, {
    // No store here: the bench measures injection, not the durable path.
    beforeSend: async () => {},
    onOutcome: async (_m, _a, outcome) => {
      if (outcome.kind !== "submitted")
        throw new Error(`bench send failed: ${JSON.stringify(outcome)}`);
      if (++done === messages) finish();
    },
    onHookError: (_m, reason) => {
      throw reason;
    },
  });
  let connected!: () => void;
  const up = new Promise<void>((resolve) => (connected = resolve));
  await adapter.start({
    route: "bench",
    channel: Channel.EMAIL,
    config: {},
    log: silent,
    supervisor,
    report: async () => {},
    demandChanged: () => {
      if (adapter.demand() > 0) connected();
      feeder.pump();
    },
  });
  await up;
  const started = performance.now();
  for (let i = 0; i < messages; i++) feeder.enqueue(message(i));
  await finished;
  const perSecond = messages / ((performance.now() - started) / 1000);
  feeder.stop();
  await root.stop("shutdown");
  return perSecond;
}

async function rawRun(port: number): Promise<number> {
  const transport = nodemailer.createTransport({
    pool: true,
    host: "127.0.0.1",
    port,
    ignoreTLS: true,
    maxConnections: poolSize,
    maxMessages: 1000,
  });
  await transport.verify();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: messages }, (_, i) =>
      transport.sendMail({
        from: "bench@hermes.test",
        to: `user${i}@example.com`,
        subject: "Bench",
        text: "Hello from the benchmark",
        html: "<p>Hello from the benchmark</p>",
      }),
    ),
  );
  const perSecond = messages / ((performance.now() - started) / 1000);
  transport.close();
  return perSecond;
}

async function webhookRun(records: Array<Record<string, unknown>>): Promise<number> {
  const receiver = new LogHookReceiver(
    {
      secret: "s",
      secretHeader: "x-secret",
      correlation: { metaKey: "hermes_message_id", header: "X-Hermes-Message-Id" },
      dedupeCapacity: 1_000_000,
    },
    { report: async () => {}, wasSubmitted: async () => true, received: () => {} },
    silent,
  );
  const bodies: Uint8Array[] = [];
  for (let b = 0; b < recordBatches; b++) {
    const batch = Array.from({ length: recordsPerBatch }, (_, i) => ({
      ...records[(b * recordsPerBatch + i) % records.length],
      timestamp: b * recordsPerBatch + i,
    }));
    bodies.push(Buffer.from(JSON.stringify(batch)));
  }
  const started = performance.now();
  for (const body of bodies) {
    const reply = await receiver.handle({
      method: "POST",
      url: "/webhooks/bench",
      headers: { "x-secret": "s" },
      body,
    });
    if (reply.status !== 200)
      throw new Error(`webhook bench: ${reply.status} ${String(reply.body)}`);
  }
  return (recordBatches * recordsPerBatch) / ((performance.now() - started) / 1000);
}

export default async function bench(): Promise<Record<string, number>> {
  const sim = await KumoSimulator.start({ starttls: false, httpPort: false, stepDelayMs: 1 });
  try {
    const ours: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < 3; round++) {
      ours.push(await hermesRun(sim.smtpPort));
      raw.push(await rawRun(sim.smtpPort));
    }
    await sim.spool.settled();
    const records = sim.spool.records.slice(0, 500);
    const webhook: number[] = [];
    for (let round = 0; round < 3; round++) webhook.push(await webhookRun(records));
    return {
      hermes_smtp_messages_per_s: median(ours),
      raw_nodemailer_messages_per_s: median(raw),
      smtp_injection_ratio: median(ours) / median(raw),
      pool_connections: poolSize,
      webhook_records_per_s: median(webhook),
    };
  } finally {
    await sim.close();
  }
}

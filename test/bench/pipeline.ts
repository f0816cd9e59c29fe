// The API ingress end to end, with the gateway, its clients and the SMSC in
// separate processes, as they are deployed: a gateway started as `npm start`
// does (SQLite, synchronous FULL) with one `smpp` route (window 100,
// receipts on) into the benchmark SMSC, a minimal SMSC on raw node:net
// (npm smpp's own server would be the bottleneck). A load client sends
// unary Send at concurrency 50, as Connect JSON over HTTP/1.1 and as gRPC
// over h2c, then SendBatch of 100; each run counts until every message it
// sent has reached the SMSC and had its receipt acknowledged. The reference
// is the same client against a bare node:http server that only parses the
// JSON body and answers; the unary JSON runs alternate with it over three
// rounds, and the medians count. CPU per message is each process's own CPU
// (/proc/<pid>/stat) over the run, divided by the messages. Then the same
// gateway with tracing on (HERMES_OTLP_ENDPOINT), exporting every span to a
// collector stand-in in this process: the traced_* metrics, and the CPU
// tracing adds per message.
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startBenchSmsc } from "@hermes/runtime/simulators";
import { type GatewayProcess, spawnGateway } from "../support/gateway-process.js";
import { median, processCpuUs } from "./_measure.js";
import { benchKey, writeBenchConfig } from "./support/bench-gateway.js";

const unaryCount = 20_000;
const unaryRounds = 3;
const batchCount = 50_000;
const concurrency = 50;
const here = fileURLToPath(new URL(".", import.meta.url));

/** Runs the load client in its own process; resolves with what it printed. */
async function load(url: string, mode: string, count: number, clients = concurrency) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(here, "support", "send-load.ts"),
      url,
      mode,
      String(count),
      String(clients),
      benchKey,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk));
  const [code] = (await once(child, "exit")) as [number];
  if (code !== 0) throw new Error(`the load client (${mode}) exited with ${code}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as { sent: number; elapsedMs: number };
}

/** A bare node:http server in its own process: reads the body, parses it as JSON, answers. */
async function startBare() {
  const script = `
    import http from "node:http";
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const answer = JSON.stringify({ message: { id: "01J", status: "MESSAGE_STATUS_ACCEPTED", to: body.message?.to } });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(answer);
      });
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: server.address().port }) + "\\n"));
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  const { port } = JSON.parse(line.toString()) as { port: number };
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, close: () => child.kill() };
}

/** An OTLP/HTTP collector stand-in: counts the spans it is sent and answers at once. */
async function startCollector() {
  let spans = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: unknown[] }> }>;
      };
      for (const resource of body.resourceSpans ?? [])
        for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    /** Resolves with the spans received once none has come for 1.5 s (the exporter sends every second). */
    async settled(): Promise<number> {
      for (let seen = -1; seen !== spans; ) {
        seen = spans;
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
      return spans;
    },
    close: () => server.close(),
  };
}

export default async function bench(): Promise<Record<string, number>> {
  const smsc = await startBenchSmsc();
  const bare = await startBare();
  const bench = writeBenchConfig("pipeline", {
    apiKeys: [{ key: benchKey, tenant: "bench", scopes: ["send", "read"] }],
    routes: [
      {
        name: "carrier",
        channel: "sms",
        adapter: "smpp",
        config: {
          host: "127.0.0.1",
          port: smsc.port,
          systemId: "bench",
          window: 100,
          throughput: 0,
        },
      },
    ],
    logLevel: "warn",
  });
  /** Runs a load against a gateway until the SMSC has every message and its receipt back. */
  const run = async (
    gateway: GatewayProcess,
    mode: string,
    count: number,
    clients = concurrency,
  ) => {
    const pid = gateway.child.pid!;
    const before = await smsc.stats();
    const cpu0 = processCpuUs(pid);
    const { elapsedMs } = await load(gateway.url, mode, count, clients);
    for (;;) {
      const now = await smsc.stats();
      if (
        now.submits - before.submits >= count &&
        now.receiptsAcked - before.receiptsAcked >= count
      ) {
        const smscCpu = now.cpu.user + now.cpu.system - (before.cpu.user + before.cpu.system);
        return {
          perS: count / (elapsedMs / 1000),
          cpuUs: (processCpuUs(pid) - cpu0) / count,
          smscCpuUs: smscCpu / count,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const gateway = await spawnGateway(bench.configPath, { HERMES_LOG_LEVEL: "warn" });
  const metrics: Record<string, number> = {};
  try {
    await run(gateway, "json", 2000); // warm-up: JIT, caches, the first commits
    // Interleaved rounds against the gateway and the bare server; medians count.
    const jsonRuns: Array<Awaited<ReturnType<typeof run>>> = [];
    const bareRuns: number[] = [];
    for (let round = 0; round < unaryRounds; round++) {
      jsonRuns.push(await run(gateway, "json", unaryCount));
      const bareRun = await load(bare.url, "json", unaryCount);
      bareRuns.push(bareRun.sent / (bareRun.elapsedMs / 1000));
    }
    const json = {
      perS: median(jsonRuns.map((r) => r.perS)),
      cpuUs: median(jsonRuns.map((r) => r.cpuUs)),
      smscCpuUs: median(jsonRuns.map((r) => r.smscCpuUs)),
    };
    const barePerS = median(bareRuns);
    const grpc = await run(gateway, "grpc", unaryCount);
    const batch = await run(gateway, "batch", batchCount, 10);
    metrics.unary_send_per_s = json.perS;
    metrics.unary_send_cpu_us_per_message = json.cpuUs;
    metrics.unary_send_grpc_per_s = grpc.perS;
    metrics.unary_send_grpc_cpu_us_per_message = grpc.cpuUs;
    metrics.send_batch_per_s = batch.perS;
    metrics.send_batch_cpu_us_per_message = batch.cpuUs;
    metrics.bare_http_per_s = barePerS;
    metrics.unary_send_vs_bare_http_ratio = json.perS / barePerS;
    metrics.smsc_cpu_us_per_message = json.smscCpuUs;
  } finally {
    gateway.child.kill("SIGTERM");
    await gateway.exited;
    bare.close();
  }
  // The same gateway with tracing on, exporting every span over OTLP/HTTP to a collector stand-in here.
  const collector = await startCollector();
  const traced = await spawnGateway(bench.configPath, {
    HERMES_LOG_LEVEL: "warn",
    HERMES_DB: join(bench.dir, "traced.db"),
    HERMES_OTLP_ENDPOINT: collector.url,
  });
  try {
    await run(traced, "json", 2000);
    const spans0 = await collector.settled();
    const json = await run(traced, "json", unaryCount);
    const spans = (await collector.settled()) - spans0;
    const batch = await run(traced, "batch", batchCount, 10);
    traced.child.kill("SIGTERM");
    await traced.exited; // its last spans are exported as it stops
    metrics.traced_unary_send_per_s = json.perS;
    metrics.traced_unary_send_cpu_us_per_message = json.cpuUs;
    metrics.traced_send_batch_per_s = batch.perS;
    metrics.traced_send_batch_cpu_us_per_message = batch.cpuUs;
    metrics.tracing_cpu_us_per_message = json.cpuUs - metrics.unary_send_cpu_us_per_message!;
    metrics.traced_vs_untraced_unary_ratio = json.perS / metrics.unary_send_per_s!;
    metrics.traced_spans_per_unary_message = spans / unaryCount;
  } finally {
    traced.child.kill("SIGTERM");
    await traced.exited;
    collector.close();
    await smsc.close();
    bench.remove();
  }
  return metrics;
}

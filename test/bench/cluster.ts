// Hermes on NATS JetStream against Hermes on SQLite, and two NATS nodes
// against one, all as gateway processes started as `npm start` starts them,
// on one SMPP route into the SMSC simulator (receipts on, 2 binds, window
// 50 each). A message counts once its receipt is durable: the SMSC counts
// deliver_sm answered, which a gateway answers after recording DELIVERED.
// Load is unary Send from 32 concurrent callers (round robin over the
// nodes). CPU per message is each gateway's own CPU time
// (hermes_process_cpu_seconds_total on /metrics) over the messages, and, on
// NATS, the nats-server's too (from /proc). Then failover: three nodes under
// load, kill -9 of a bind's node, the time until the SMSC sees the bind
// again, and how many accepted messages were never delivered.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageStatus } from "@hermes/runtime/contracts";
import { NatsServer, SmscSimulator } from "@hermes/runtime/simulators";
import {
  killBindHolder,
  leaseHolders,
  startNodes,
  stopNodes,
  testLease,
  uniqueSms,
  untilAllTerminal,
  writeClusterConfig,
} from "../support/cluster.js";
import { clients, keys, testApiKeys } from "../support/gateway-harness.js";
import type { GatewayProcess } from "../support/gateway-process.js";
import { poll } from "../support/wait.js";

const messages = 4000;
const callers = 32;
const smpp = { window: 50, receiptDelayMs: 0 };

interface Side {
  readonly perSecond: number;
  /** Gateway CPU per message, µs (all nodes together). */
  readonly gatewayCpuUs: number;
  /** nats-server CPU per message, µs (0 on SQLite). */
  readonly natsCpuUs: number;
}

async function cpuSeconds(node: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^hermes_process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** utime + stime of a process, in seconds. */
function processCpu(pid: number | undefined): number {
  if (!pid) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `count` unary Sends spread over `nodes`, until the SMSC has every receipt answered. */
async function run(
  nodes: readonly GatewayProcess[],
  smsc: SmscSimulator,
  nats?: NatsServer,
  count = messages,
): Promise<Side> {
  const cpuBefore = await Promise.all(nodes.map(cpuSeconds));
  const natsBefore = processCpu(nats?.pid);
  const acked = smsc.stats.receiptsAcked;
  const apis = nodes.map((n) => clients(n.url, keys.all).messages);
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (issued < count) {
        const i = issued++;
        await apis[i % apis.length]!.send({ message: uniqueSms(`bench ${i}`) });
      }
    }),
  );
  await poll(
    () => smsc.stats.receiptsAcked - acked >= count,
    () => "receipts missing",
    120_000,
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = await Promise.all(nodes.map(cpuSeconds));
  const gatewayCpu = cpuAfter.reduce((sum, c, i) => sum + c - cpuBefore[i]!, 0);
  return {
    perSecond: count / seconds,
    gatewayCpuUs: (gatewayCpu / count) * 1e6,
    natsCpuUs: ((processCpu(nats?.pid) - natsBefore) / count) * 1e6,
  };
}

function sqliteConfig(dir: string, smscPort: number): string {
  const path = join(dir, "sqlite.config.json");
  writeFileSync(
    path,
    JSON.stringify({
      server: { host: "127.0.0.1", port: 0 },
      store: { path: join(dir, "hermes.db") },
      apiKeys: testApiKeys,
      routes: [
        {
          name: "sms",
          channel: "sms",
          adapter: "smpp",
          config: {
            host: "127.0.0.1",
            port: smscPort,
            systemId: "hermes",
            sessions: 2,
            throughput: 0,
            window: smpp.window,
          },
        },
      ],
    }),
  );
  return path;
}

async function measure(
  configPath: string,
  count: number,
  smsc: SmscSimulator,
  nats?: NatsServer,
): Promise<Side> {
  const nodes = await startNodes(count, configPath);
  try {
    await poll(
      () => smsc.boundSessions === 2,
      () => "binds",
      30_000,
    );
    if (count > 1)
      await poll(
        async () => new Set((await leaseHolders(nodes)).values()).size === count,
        () => "the binds never spread",
        30_000,
      );
    await run(nodes, smsc, nats, 500); // warm-up
    return await run(nodes, smsc, nats);
  } finally {
    await stopNodes(nodes);
    await poll(
      () => smsc.boundSessions === 0,
      () => "unbinds",
      30_000,
    );
  }
}

async function failover(dir: string, nats: NatsServer): Promise<{ seconds: number; lost: number }> {
  const smsc = await SmscSimulator.start({ behaviour: { record: false, responseDelayMs: 2 } });
  const config = writeClusterConfig(dir, {
    natsUrl: nats.url,
    prefix: "failover",
    smscPort: smsc.port,
  });
  const nodes = await startNodes(3, config);
  try {
    const holders = await poll(
      async () => {
        const held = await leaseHolders(nodes);
        return (
          new Set([...held.values()].filter(Boolean)).size === 2 && smsc.boundSessions === 2 && held
        );
      },
      () => "binds",
      30_000,
    );
    const accepted: string[] = [];
    let sending = true;
    // One client (one connection) per node: a new one per Send would meet the node's cap on
    // connections per client address.
    const apis = nodes.map((node) => clients(node.url, keys.all).messages);
    const load = Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; sending; i++) {
          const node = nodes[(w + i) % nodes.length]!;
          if (node.child.signalCode !== null) continue;
          try {
            const { message } = await apis[(w + i) % nodes.length]!.send({
              message: uniqueSms(`failover ${w} ${i}`),
            });
            accepted.push(message!.id);
          } catch {}
        }
      }),
    );
    await poll(
      () => accepted.length >= 500,
      () => "load",
      30_000,
    );
    const { victim, failoverMs } = await killBindHolder(nodes, holders, "sms.transceiver-1", smsc, {
      binds: 2,
      unboundWithinMs: 10_000,
      reboundWithinMs: 60_000,
    });
    const seconds = failoverMs / 1000;
    await poll(
      () => accepted.length >= 1500,
      () => "load after",
      30_000,
    );
    sending = false;
    await load;
    const survivor = nodes.find((n) => n !== victim)!;
    const finished = await untilAllTerminal(survivor.url, accepted, 60_000).catch(() => []);
    const delivered = finished.filter(({ message }) => message?.status === MessageStatus.DELIVERED);
    return { seconds, lost: accepted.length - delivered.length };
  } finally {
    await stopNodes(nodes.filter((n) => n.child.signalCode === null));
    await smsc.close();
  }
}

export default async function (): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "hermes-bench-cluster-"));
  const nats = await NatsServer.start();
  const smsc = await SmscSimulator.start({
    behaviour: { record: false, receiptDelayMs: smpp.receiptDelayMs },
  });
  try {
    const natsConfig = (prefix: string) =>
      writeClusterConfig(dir, {
        natsUrl: nats.url,
        prefix,
        smscPort: smsc.port,
        smpp: { window: smpp.window },
        store: { ackWaitMs: 30_000, leaseTtlMs: 10_000, leaseRenewMs: 1000 },
      });
    const sqlite = await measure(sqliteConfig(dir, smsc.port), 1, smsc);
    const one = await measure(natsConfig("one"), 1, smsc, nats);
    const two = await measure(natsConfig("two"), 2, smsc, nats);
    const down = await failover(dir, nats);
    const line = (name: string, s: Side) =>
      `${name}: ${s.perSecond.toFixed(0)} msg/s to DELIVERED; gateway CPU ${s.gatewayCpuUs.toFixed(0)} µs/msg, nats-server ${s.natsCpuUs.toFixed(0)} µs/msg\n`;
    process.stdout.write(line("sqlite, 1 node", sqlite));
    process.stdout.write(line("nats, 1 node  ", one));
    process.stdout.write(line("nats, 2 nodes ", two));
    process.stdout.write(
      `failover: bind held again ${down.seconds.toFixed(2)} s after kill -9 (lease TTL ${testLease.leaseTtlMs} ms, renew ${testLease.leaseRenewMs} ms); ${down.lost} accepted messages not delivered\n`,
    );
    return {
      nats_vs_sqlite_ratio: one.perSecond / sqlite.perSecond,
      two_nodes_vs_one_ratio: two.perSecond / one.perSecond,
      failover_seconds: down.seconds,
      failover_lost_messages: down.lost,
      sqlite_per_second: sqlite.perSecond,
      nats_one_node_per_second: one.perSecond,
      nats_two_nodes_per_second: two.perSecond,
      sqlite_gateway_cpu_us_per_message: sqlite.gatewayCpuUs,
      nats_gateway_cpu_us_per_message: one.gatewayCpuUs,
      nats_server_cpu_us_per_message: one.natsCpuUs,
      nats_two_nodes_gateway_cpu_us_per_message: two.gatewayCpuUs,
      nats_two_nodes_server_cpu_us_per_message: two.natsCpuUs,
    };
  } finally {
    await smsc.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

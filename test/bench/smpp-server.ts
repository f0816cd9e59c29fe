// Hermes as an SMSC: a raw npm `smpp` client (window 100) submits through
// Hermes's SMPP server, which stores each message (Router.accept, SQLite,
// synchronous FULL) before its submit_sm_resp, routes it over an `smpp`
// route (window 100) to the benchmark SMSC (startBenchSmsc), and sends the
// SMSC's receipt back to the client as deliver_sm from the account's
// durable outbox. Client, gateway (as `npm start` runs it) and SMSC are
// three processes, as an ESME, Hermes and a carrier are three machines. A message counts once its receipt has
// reached the client. The reference is the same client, with the same
// window, against the benchmark SMSC directly, receipts included. Both in
// one run, alternating, median of the rounds:
//   server_msgs_per_s, direct_msgs_per_s, server_vs_direct_ratio,
//   and the submit_sm_resp rate alone (server_submit_per_s,
//   server_submit_vs_direct_ratio).
import smpp, { type PDU } from "smpp";
import { startBenchSmsc } from "@hermes/runtime/simulators";
import { spawnGateway } from "../support/gateway-process.js";
import { median } from "./_measure.js";
import { benchKey, freePort, writeBenchConfig } from "./support/bench-gateway.js";

const window = 100;
const count = 10_000;
const rounds = 3;
const text = "Your verification code is 123456. It expires in 10 minutes.";

interface Run {
  /** Messages whose receipt came back, per second. */
  readonly perS: number;
  /** submit_sm_resp per second (until the last answer). */
  readonly submitPerS: number;
}

/** `n` submits at `window` outstanding, each asking for a receipt; done when every receipt is in. */
async function client(port: number, systemId: string, password: string, n: number): Promise<Run> {
  const session = smpp.connect({ host: "127.0.0.1", port, auto_enquire_link_period: 0 });
  session.socket.setNoDelay(true);
  session.on("error", () => undefined);
  await new Promise<void>((resolve, reject) =>
    session.send(new smpp.PDU("bind_transceiver", { system_id: systemId, password }), (pdu: PDU) =>
      pdu.command_status === 0 ? resolve() : reject(new Error("bind refused")),
    ),
  );
  let sent = 0;
  let answered = 0;
  let receipts = 0;
  let submitsDone = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const finish = () => {
      if (answered === n && receipts === n) resolve();
    };
    session.on("deliver_sm", (pdu: PDU) => {
      session.send(pdu.response());
      receipts++;
      finish();
    });
    const submit = () => {
      const i = sent++;
      session.send(
        new smpp.PDU("submit_sm", {
          source_addr_ton: 5,
          source_addr: "Bench",
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: `4477009${String(i % 100000).padStart(5, "0")}`,
          registered_delivery: 1,
          data_coding: 0,
          short_message: text,
        }),
        (resp: PDU) => {
          if (resp.command_status !== 0) {
            reject(new Error(`submit_sm answered 0x${resp.command_status.toString(16)}`));
            return;
          }
          if (++answered === n) submitsDone = performance.now();
          if (sent < n) submit();
          finish();
        },
      );
    };
    for (let i = 0; i < Math.min(window, n); i++) submit();
  });
  const seconds = (performance.now() - started) / 1000;
  session.destroy();
  return { perS: n / seconds, submitPerS: n / ((submitsDone - started) / 1000) };
}

export default async function smppServerBench(): Promise<Record<string, number>> {
  const smsc = await startBenchSmsc({ receipts: "text" });
  const smppPort = await freePort();
  const bench = writeBenchConfig("smpp-server", {
    apiKeys: [{ key: benchKey, tenant: "acme", scopes: ["send", "read", "admin"] }],
    limits: { maxQueuedPerRoute: 1_000_000 },
    routes: [
      {
        name: "carrier",
        channel: "sms",
        adapter: "smpp",
        config: {
          host: "127.0.0.1",
          port: smsc.port,
          systemId: "hermes",
          window,
          sendValidity: false,
          submitIdFormat: "hex",
          receiptIdFormat: "hex",
        },
      },
    ],
    smppServer: {
      host: "127.0.0.1",
      port: smppPort,
      receiptWindow: window,
      accounts: [{ systemId: "bench", password: "bench", tenant: "acme", window }],
    },
  });
  const gateway = await spawnGateway(bench.configPath);
  try {
    const port = smppPort;
    // Warm both paths up.
    await client(smsc.port, "direct", "", 2_000);
    await client(port, "bench", "bench", 2_000);
    const server: Run[] = [];
    const direct: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      direct.push(await client(smsc.port, "direct", "", count));
      server.push(await client(port, "bench", "bench", count));
    }
    const ratios = server.map((s, i) => s.perS / direct[i]!.perS);
    const submitRatios = server.map((s, i) => s.submitPerS / direct[i]!.submitPerS);
    return {
      server_msgs_per_s: median(server.map((r) => r.perS)),
      direct_msgs_per_s: median(direct.map((r) => r.perS)),
      server_vs_direct_ratio: median(ratios),
      server_submit_per_s: median(server.map((r) => r.submitPerS)),
      direct_submit_per_s: median(direct.map((r) => r.submitPerS)),
      server_submit_vs_direct_ratio: median(submitRatios),
    };
  } finally {
    gateway.child.kill("SIGTERM");
    await gateway.exited;
    await smsc.close();
    bench.remove();
  }
}

// submit_sm per second through a Hermes SMPP session (the driver layer:
// adapter.send -> session actor -> window -> socket, with encoding, window
// accounting and response matching) against the raw npm `smpp` client doing
// the same submits with the same window, both against the same SMSC
// simulator in this run. No receipts (registered_delivery 0), so only
// submit_sm / submit_sm_resp are timed. Each round runs both sides back to
// back; the ratio is the median of the rounds' ratios (so load from other
// processes drifting during the run cancels out), the rates are medians.
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import smpp, { type PDU } from "smpp";
import { Channel, MessageSchema, type Message } from "../../runtime/src/gen/hermes/v1/message_pb.js";
import { Supervisor } from "../../runtime/src/kernel/index.js";
import { RouteSupervisor } from "../../runtime/src/router/route-supervisor.js";
import { createSmppAdapter, type SmppAdapter } from "../../runtime/src/drivers/smpp/index.js";
import { SmscSimulator } from "../../runtime/src/simulators/smsc/smsc-simulator.js";

const text = "Your verification code is 123456. It expires in 10 minutes.";
const counts = { 100: 20_000, 1: 5_000 } as const;
const rounds = 5;
const silent = pino({ level: "silent" });

async function hermes(port: number, window: number, n: number): Promise<number> {
  const root = await Supervisor.start({ name: "bench", strategy: "one_for_one" });
  const route = await RouteSupervisor.start(root, "bench", silent);
  const config = { host: "127.0.0.1", port, systemId: "bench", window, registeredDelivery: 0, sendValidity: false };
  const adapter = createSmppAdapter(config) as SmppAdapter;
  let pump = () => {};
  await adapter.start({ route: "bench", channel: Channel.SMS, config, log: silent, supervisor: route, report: async () => {}, demandChanged: () => pump() });
  while (adapter.demand() === 0) await new Promise((r) => setTimeout(r, 1));
  const messages: Message[] = Array.from({ length: n }, (_, i) =>
    create(MessageSchema, { id: `m${i}`, channel: Channel.SMS, to: { kind: { case: "phone", value: `+4477009${String(i % 100000).padStart(5, "0")}` } }, content: { text } }),
  );
  let next = 0;
  let done = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    // As the router's dispatcher: as many sends as demand() allows, again whenever a send completes.
    pump = () => {
      let demand = adapter.demand();
      while (demand-- > 0 && next < n) {
        void adapter.send(messages[next++]!, 1).then((outcome) => {
          if (outcome.kind !== "submitted") throw new Error(`unexpected ${outcome.kind}`);
          if (++done === n) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const rate = n / ((performance.now() - started) / 1000);
  await adapter.stop();
  await root.stop();
  return rate;
}

async function raw(port: number, window: number, n: number): Promise<number> {
  const session = smpp.connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) =>
    session.send(new smpp.PDU("bind_transceiver", { system_id: "bench", password: "" }), (pdu: PDU) => (pdu.command_status === 0 ? resolve() : reject(new Error("bind")))),
  );
  let sent = 0;
  let done = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const submit = () => {
      const i = sent++;
      session.send(
        new smpp.PDU("submit_sm", { destination_addr: `4477009${String(i % 100000).padStart(5, "0")}`, dest_addr_ton: 1, dest_addr_npi: 1, data_coding: 0, short_message: text }),
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export default async function bench(): Promise<Record<string, number>> {
  const smsc = await SmscSimulator.start({ behaviour: { record: false } });
  const metrics: Record<string, number> = {};
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
  return metrics;
}

import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { pino } from "pino";
import { Channel, MessageSchema, type Message } from "@hermes/runtime/contracts";
import { Supervisor } from "@hermes/runtime/kernel";
import { RouteSupervisor } from "@hermes/runtime";
import type { ProviderReport, SendOutcome } from "@hermes/runtime";
import { createSmppAdapter, type SmppAdapter } from "@hermes/runtime/drivers";

export { until } from "../support/wait.js";

const logger = pino({ level: process.env.HERMES_TEST_LOG ?? "silent" });

/**
 * An SMPP adapter started the way the gateway starts it (under a route supervisor), with its
 * reports collected.
 */
export interface CarrierHarness {
  readonly adapter: SmppAdapter;
  readonly reports: ProviderReport[];
  /** How often the adapter said demand may have grown. */
  readonly demandSignals: { count: number };
  close(): Promise<void>;
}

export async function startCarrier(
  config: Record<string, unknown>,
  onReport?: (report: ProviderReport) => void,
): Promise<CarrierHarness> {
  const root = await Supervisor.start({
    name: "root",
    strategy: "one_for_one",
    intensity: 100,
    period: 1000,
    logger,
  });
  const routeSupervisor = await RouteSupervisor.start(root, "carrier", logger);
  const adapter = createSmppAdapter(config) as SmppAdapter;
  const reports: ProviderReport[] = [];
  const demandSignals = { count: 0 };
  await adapter.start({
    route: "carrier",
    channel: Channel.SMS,
    config,
    log: logger,
    supervisor: routeSupervisor,
    async report(report) {
      reports.push(report);
      onReport?.(report);
    },
    demandChanged() {
      demandSignals.count++;
    },
  });
  return {
    adapter,
    reports,
    demandSignals,
    async close() {
      await adapter.stop();
      await root.stop();
    },
  };
}

export function sms(
  to: string,
  text: string,
  extra: Partial<{ from: string; priority: number; expiresAt: Date }> = {},
): Message {
  return create(MessageSchema, {
    id: `m_${Math.random().toString(36).slice(2)}`,
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: to } },
    from: extra.from ? { kind: { case: "phone", value: extra.from } } : undefined,
    content: { text },
    priority: extra.priority ?? 0,
    expiresAt: extra.expiresAt ? timestampFromDate(extra.expiresAt) : undefined,
  });
}

/** Sends as the router's feeder would: never more outstanding than demand(). */
export async function sendAll(
  adapter: SmppAdapter,
  messages: readonly Message[],
): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = new Array(messages.length);
  let next = 0;
  let outstanding = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      if (next === messages.length && outstanding === 0) return resolve();
      let demand = adapter.demand();
      while (demand-- > 0 && next < messages.length) {
        const i = next++;
        outstanding++;
        void adapter.send(messages[i]!, 1).then((outcome) => {
          outcomes[i] = outcome;
          outstanding--;
          pump();
        });
      }
      if (outstanding === 0 && next < messages.length) setTimeout(pump, 5); // no bind yet
    };
    pump();
  });
  return outcomes;
}

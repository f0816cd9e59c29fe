import { randomBytes } from "node:crypto";
import { Channel } from "../../gen/hermes/v1/message_pb.js";
import type { RouteConfig } from "../../config/gateway-config.js";
import { SmscSimulator } from "./smsc-simulator.js";

/** What the dev environment needs to run the SMSC simulator beside the gateway. */
export interface SmscDevService {
  readonly name: string;
  readonly description: string;
  /** An `sms` route bound to the simulator over SMPP. */
  readonly route: RouteConfig;
  readonly simulator: SmscSimulator;
  close(): Promise<void>;
}

/**
 * Starts the SMSC simulator for `npm start` / `hermes dev` on a loopback port
 * (HERMES_SMSC_PORT, or any free one) with fresh bind credentials, receipts
 * after half a second, and a few numbers that pick a fate: +4477009099xx
 * are undeliverable, +4477009098xx are rejected with ESME_RINVDSTADR.
 */
export async function startSmscDevService(
  retry: RouteConfig["retry"],
  env: NodeJS.ProcessEnv = process.env,
): Promise<SmscDevService> {
  const password = randomBytes(4).toString("hex"); // SMPP 3.4 passwords are at most 8 characters
  const simulator = await SmscSimulator.start({
    port: env.HERMES_SMSC_PORT ? Number(env.HERMES_SMSC_PORT) : 0,
    behaviour: {
      systemId: "hermes",
      password,
      receiptDelayMs: 500,
      receipts: [{ destination: "^4477009099", stat: "UNDELIV", err: "001" }],
      failures: [{ destination: "^4477009098", status: 0x0b }],
      record: false,
    },
  });
  const route: RouteConfig = {
    name: "sms",
    channel: Channel.SMS,
    adapter: "smpp",
    tenants: ["*"],
    config: {
      host: "127.0.0.1",
      port: simulator.port,
      systemId: "hermes",
      password,
      window: 10,
      sourceAddress: "Hermes",
      submitIdFormat: "hex",
      receiptIdFormat: "hex",
    },
    retry,
    validitySeconds: 3600,
  };
  return {
    name: "smsc",
    description: `SMSC simulator (SMPP 3.4): 127.0.0.1:${simulator.port}, system_id hermes (+4477009099xx undeliverable, +4477009098xx rejected)`,
    route,
    simulator,
    close: () => simulator.close(),
  };
}

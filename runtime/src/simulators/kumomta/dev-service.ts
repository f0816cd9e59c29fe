import { randomBytes } from "node:crypto";
import { Channel } from "../../gen/hermes/v1/message_pb.js";
import type { RouteConfig } from "../../config/gateway-config.js";
import { KumoSimulator } from "./kumo-simulator.js";

/** What the dev environment needs to run the KumoMTA simulator beside the gateway. */
export interface KumoDevService {
  readonly name: string;
  readonly description: string;
  /** An `email` route injecting into the simulator over SMTP. */
  readonly route: RouteConfig;
  /** Points the simulator's log hook at the gateway, once it listens. */
  connect(gatewayUrl: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the KumoMTA simulator for `npm start` / `hermes dev`: SMTP and HTTP
 * on free loopback ports, STARTTLS with its self-signed certificate (so the
 * route turns verification off, as one does against a default KumoMTA on
 * loopback) and a fresh webhook secret shared by route and log hook.
 */
export async function startKumoDevService(retry: RouteConfig["retry"]): Promise<KumoDevService> {
  const sim = await KumoSimulator.start({ stepDelayMs: 200 });
  const secret = randomBytes(16).toString("hex");
  const route: RouteConfig = {
    name: "email",
    channel: Channel.EMAIL,
    adapter: "smtp",
    tenants: ["*"],
    config: {
      smtp: { host: "127.0.0.1", port: sim.smtpPort, tls: { rejectUnauthorized: false } },
      http: { url: sim.httpUrl },
      from: "Hermes Dev <dev@hermes.localhost>",
      webhook: { secret },
    },
    retry,
    validitySeconds: 3600,
  };
  return {
    name: "kumomta",
    description: `KumoMTA simulator: SMTP 127.0.0.1:${sim.smtpPort}, HTTP ${sim.httpUrl} (recipients permfail@, tempfail@, tempfail-then-deliver@, expire@, complaint@ pick a fate)`,
    route,
    connect: (gatewayUrl) =>
      sim.attachLogHook({
        url: `${gatewayUrl}/webhooks/email`,
        headers: { "X-Hermes-Webhook-Secret": secret },
      }),
    close: () => sim.close(),
  };
}

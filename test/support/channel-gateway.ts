import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Channel, type Message, MessageSchema, RouteState } from "@hermes/runtime/contracts";
import { KumoSimulator, SmscSimulator } from "@hermes/runtime/simulators";
import { type Clients, clients, startTestGateway, type TestGateway } from "./gateway-harness.js";
import { untilAdapterState } from "./wait.js";

const hookSecret = "kumo-hook-secret";
const hookHeader = "X-Hermes-Webhook-Secret";

/**
 * Numbers the SMSC simulator treats specially here: `+4477009099xx` get an
 * UNDELIV receipt, `+4477009098xx` only an ENROUTE one (their message stays
 * SUBMITTED, waiting for a final receipt that never comes). Others are
 * delivered.
 */
export const numbers = {
  undeliverable: "+447700909901",
  neverFinal: "+447700909801",
} as const;

/** A gateway with an `sms` route into the SMSC simulator and a `mail` route into the KumoMTA simulator. */
export interface ChannelGateway {
  readonly smsc: SmscSimulator;
  readonly kumo: KumoSimulator;
  readonly gw: TestGateway;
  readonly api: Clients;
  /**
   * Stops the gateway, waits `downMs`, and starts it again on the same store,
   * config and port; resolves with when the new one started starting.
   */
  restart(downMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Starts both simulators and a gateway on them (tenant acme's routes); `extra` merges into its config. */
export async function startChannelGateway(
  extra: Record<string, unknown> = {},
): Promise<ChannelGateway> {
  const dir = mkdtempSync(join(tmpdir(), "hermes-channels-"));
  const smsc = await SmscSimulator.start({
    behaviour: {
      systemId: "hermes",
      password: "pw",
      receipts: [
        { destination: "^4477009099", stat: "UNDELIV", err: "034" },
        { destination: "^4477009098", stat: "ENROUTE" },
      ],
    },
  });
  const kumo = await KumoSimulator.start({ stepDelayMs: 2 });
  const config = {
    ...extra,
    store: { path: join(dir, "hermes.db"), synchronous: "NORMAL" },
    routes: [
      {
        name: "sms",
        channel: "sms",
        adapter: "smpp",
        tenants: ["acme"],
        retry: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 50 },
        config: {
          host: "127.0.0.1",
          port: smsc.port,
          systemId: "hermes",
          password: "pw",
          window: 10,
          reconnectInitialMs: 20,
        },
      },
      {
        name: "mail",
        channel: "email",
        adapter: "smtp",
        tenants: ["acme"],
        retry: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 100 },
        config: {
          smtp: {
            port: kumo.smtpPort,
            tls: { rejectUnauthorized: false },
            reconnect: { initialMs: 20, maxMs: 200 },
          },
          from: "Hermes Test <noreply@hermes.test>",
          webhook: { secret: hookSecret },
        },
      },
    ],
  };
  let gw = await startTestGateway(config);
  await kumo.attachLogHook({
    url: `${gw.gateway.url}/webhooks/mail`,
    headers: { [hookHeader]: hookSecret },
  });
  const ready = async () => {
    for (const route of gw.gateway.router.routes)
      await untilAdapterState(route.adapter, RouteState.UP);
  };
  await ready();
  const fixture = {
    smsc,
    kumo,
    get gw() {
      return gw;
    },
    get api() {
      return clients(gw.gateway.url);
    },
    async restart(downMs = 0) {
      const port = gw.gateway.port;
      await gw.gateway.close();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      const startedAt = Date.now();
      gw = await startTestGateway({ ...config, server: { port } });
      await ready();
      return startedAt;
    },
    async close() {
      await gw.close();
      await kumo.close();
      await smsc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

export function sms(to: string, text = "hello"): Message {
  return create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: to } },
    from: { kind: { case: "phone", value: "Hermes" } },
    content: { text },
  });
}

export function email(to: string): Message {
  return create(MessageSchema, {
    channel: Channel.EMAIL,
    to: { kind: { case: "email", value: to } },
    content: { subject: "Hello", text: "Hello from Hermes" },
  });
}

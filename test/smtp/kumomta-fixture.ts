import { create } from "@bufbuild/protobuf";
import {
  Channel,
  MessageSchema,
  type Content,
  type Message,
  type RouteState,
} from "@hermes/runtime/contracts";
import {
  KumoSimulator,
  type KumoSimulatorOptions,
  type LogHookOptions,
} from "@hermes/runtime/simulators";
import {
  clients,
  startTestGateway,
  type Clients,
  type TestGateway,
} from "../support/gateway-harness.js";
import { untilAdapterState } from "../support/wait.js";

export const webhookSecret = "kumo-hook-secret";
export const secretHeader = "X-Hermes-Webhook-Secret";

export interface KumoRoute {
  readonly sim: KumoSimulator;
  readonly gw: TestGateway;
  readonly api: Clients;
  /** POSTs a body to the route's webhook, with the secret unless told otherwise. */
  postWebhook(
    body: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export interface KumoRouteOptions {
  readonly sim?: KumoSimulatorOptions;
  /** Route config over the defaults (shallow per section). */
  readonly config?: Record<string, unknown>;
  readonly smtp?: Record<string, unknown>;
  readonly logHook?: Partial<LogHookOptions>;
  readonly maxAttempts?: number;
  /** Point the route at this SMTP port instead of the simulator's. */
  readonly smtpPort?: number;
  /** Gateway config beside the route (e.g. tracing, an smppServer). */
  readonly gateway?: Record<string, unknown>;
}

/**
 * A real gateway with an `smtp` route injecting into a simulated KumoMTA whose log hook posts to
 * the gateway.
 */
export async function startKumoRoute(options: KumoRouteOptions = {}): Promise<KumoRoute> {
  const sim = await KumoSimulator.start({ stepDelayMs: 2, ...options.sim });
  const gw = await startTestGateway({
    ...options.gateway,
    routes: [
      {
        name: "mail",
        channel: "email",
        adapter: "smtp",
        retry: { maxAttempts: options.maxAttempts ?? 3, initialBackoffMs: 20, maxBackoffMs: 100 },
        config: {
          smtp: {
            port: options.smtpPort ?? sim.smtpPort,
            tls: { rejectUnauthorized: false },
            reconnect: { initialMs: 20, maxMs: 200 },
            maxConnections: 3,
            ...options.smtp,
          },
          http: sim.httpUrl ? { url: sim.httpUrl } : undefined,
          from: "Hermes Test <noreply@hermes.test>",
          webhook: { secret: webhookSecret },
          ...options.config,
        },
      },
    ],
  });
  const webhookUrl = `${gw.gateway.url}/webhooks/mail`;
  await sim.attachLogHook({
    url: webhookUrl,
    headers: { [secretHeader]: webhookSecret },
    ...options.logHook,
  });
  return {
    sim,
    gw,
    api: clients(gw.gateway.url),
    async postWebhook(body, headers = { [secretHeader]: webhookSecret }) {
      const response = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
      return { status: response.status, body: await response.text() };
    },
    async close() {
      await gw.close();
      await sim.close();
    },
  };
}

/** An email message to `to`, with a campaign. */
export function email(to: string, extra: { content?: Content } = {}): Message {
  return create(MessageSchema, {
    channel: Channel.EMAIL,
    to: { kind: { case: "email", value: to } },
    content: extra.content ?? {
      subject: "Hello",
      text: "Hello from Hermes",
      html: "<p>Hello from <b>Hermes</b></p>",
    },
    metadata: { campaign: "spring" },
  });
}

/** Resolves once the route reports `state`, or rejects with the last health seen. */
export function untilRouteState(
  route: KumoRoute,
  state: RouteState,
  timeoutMs = 5000,
): Promise<{ reason?: string }> {
  return untilAdapterState(route.gw.gateway.router.routes[0].adapter, state, timeoutMs);
}

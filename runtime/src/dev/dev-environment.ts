import { Channel } from "../gen/hermes/v1/message_pb.js";
import type { ApiKeyConfig, GatewayConfig, RouteConfig } from "../config/gateway-config.js";
import { startGateway, type Gateway } from "../gateway.js";
import type { Logger } from "pino";
import { startKumoDevService, type KumoDevService } from "../simulators/kumomta/dev-service.js";
import { startSmscDevService } from "../simulators/smsc/dev-service.js";

/** The API key a development gateway accepts; never use it outside loopback. */
export const devApiKey = "hermes-dev-key";

const devKey: ApiKeyConfig = { key: devApiKey, tenant: "dev", scopes: ["send", "read", "admin"], name: "dev" };

const devRetry = { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 10_000 };

/** Something started beside the gateway (a simulator), stopped after it. */
export interface DevService {
  readonly name: string;
  readonly description: string;
  close(): Promise<void>;
}

export interface DevEnvironment {
  readonly gateway: Gateway;
  readonly services: readonly DevService[];
  /** Whether the dev key was added because the config had none. */
  readonly usingDevKey: boolean;
  close(): Promise<void>;
}

/**
 * The gateway on embedded defaults: SQLite, a dev API key when the config has
 * none, and, when the config has no routes, a webhook route plus whatever
 * local simulators stand in for carriers. `npm start` and `hermes dev` run it.
 */
export async function startDevEnvironment(config: GatewayConfig, logger?: Logger): Promise<DevEnvironment> {
  const usingDevKey = config.apiKeys.length === 0;
  const services: DevService[] = [];
  const routes: RouteConfig[] = [...config.routes];
  let kumomta: KumoDevService | undefined;
  if (routes.length === 0) {
    routes.push({ name: "webhook", channel: Channel.WEBHOOK, adapter: "webhook", tenants: ["*"], config: {}, retry: devRetry, validitySeconds: 3600 });
    kumomta = await startKumoDevService(devRetry);
    services.push(kumomta);
    routes.push(kumomta.route);
    const smsc = await startSmscDevService(devRetry);
    services.push(smsc);
    routes.push(smsc.route);
  }
  const gateway = await startGateway({
    config: { ...config, apiKeys: usingDevKey ? [devKey] : config.apiKeys, routes },
    logger,
  }).catch(async (reason) => {
    for (const service of services.reverse()) await service.close();
    throw reason;
  });
  await kumomta?.connect(gateway.url);
  return {
    gateway,
    services,
    usingDevKey,
    async close() {
      await gateway.close();
      for (const service of services.reverse()) await service.close();
    },
  };
}

import { Channel } from "../gen/hermes/v1/message_pb.js";
import type { ApiKeyConfig, GatewayConfig, RouteConfig } from "../config/gateway-config.js";
import { startGateway, type Gateway } from "../gateway.js";
import type { Logger } from "pino";
import { startKumoDevService, type KumoDevService } from "../simulators/kumomta/dev-service.js";
import { startSmscDevService } from "../simulators/smsc/dev-service.js";
import {
  devProviderTemplate,
  startProviderDevService,
  type DevProviderName,
  type ProviderDevService,
} from "../simulators/providers/dev-service.js";
import { devPluginFile, type CompilePlugin } from "./dev-plugins.js";
import { devApiKey, devProvidersApiKey, devProvidersTenant } from "./dev-keys.js";

const devKey: ApiKeyConfig = {
  key: devApiKey,
  tenant: "dev",
  scopes: ["send", "read", "admin"],
  name: "dev",
};

const devProvidersKey: ApiKeyConfig = {
  key: devProvidersApiKey,
  tenant: devProvidersTenant,
  scopes: ["send", "read", "admin"],
  name: "dev-providers",
};

const devRetry = { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 10_000 };

/** Something started beside the gateway (a simulator), stopped after it. */
export interface DevService {
  readonly name: string;
  readonly description: string;
  close(): Promise<void>;
}

export interface DevOptions {
  /**
   * Provider mocks to start, each with a `wasm` route running its plugin template for tenant
   * dev-providers.
   */
  readonly providers?: {
    readonly names: readonly DevProviderName[];
    /** Builds a template on a cache miss (the SDK's buildPlugin). */
    readonly compile: CompilePlugin;
    /** Where built templates are kept between starts. */
    readonly cacheDir: string;
  };
}

export interface DevEnvironment {
  readonly gateway: Gateway;
  readonly services: readonly DevService[];
  /** Whether the dev key was added because the config had none. */
  readonly usingDevKey: boolean;
  /** The provider routes started, in order (their tenant is devProvidersTenant). */
  readonly providerRoutes: readonly RouteConfig[];
  close(): Promise<void>;
}

/**
 * The gateway on embedded defaults: SQLite, a dev API key when the config has
 * none, and, when the config has no routes, a webhook route plus whatever
 * local simulators stand in for carriers. `npm start` and `hermes dev` run it.
 * With `providers`, provider mocks and their routes too (`hermes dev --providers`).
 */
export async function startDevEnvironment(
  config: GatewayConfig,
  logger?: Logger,
  options: DevOptions = {},
): Promise<DevEnvironment> {
  const usingDevKey = config.apiKeys.length === 0;
  const services: DevService[] = [];
  const routes: RouteConfig[] = [...config.routes];
  let kumomta: KumoDevService | undefined;
  const providers: ProviderDevService[] = [];
  const stopServices = async () => {
    for (const service of services.reverse()) await service.close();
  };
  if (routes.length === 0) {
    routes.push({
      name: "webhook",
      channel: Channel.WEBHOOK,
      adapter: "webhook",
      tenants: ["*"],
      config: {},
      retry: devRetry,
      validitySeconds: 3600,
    });
    kumomta = await startKumoDevService(devRetry);
    services.push(kumomta);
    routes.push(kumomta.route);
    const smsc = await startSmscDevService(devRetry);
    services.push(smsc);
    routes.push(smsc.route);
  }
  try {
    for (const name of options.providers?.names ?? []) {
      const { compile, cacheDir } = options.providers!;
      const file = await devPluginFile(devProviderTemplate(name), compile, cacheDir);
      const provider = await startProviderDevService(name, file, [devProvidersTenant], devRetry);
      services.push(provider);
      providers.push(provider);
      routes.push(provider.route);
    }
  } catch (reason) {
    await stopServices();
    throw reason;
  }
  const apiKeys = usingDevKey
    ? providers.length > 0
      ? [devKey, devProvidersKey]
      : [devKey]
    : config.apiKeys;
  const gateway = await startGateway({ config: { ...config, apiKeys, routes }, logger }).catch(
    async (reason) => {
      await stopServices();
      throw reason;
    },
  );
  await kumomta?.connect(gateway.url);
  for (const provider of providers) provider.connect(gateway.url);
  return {
    gateway,
    services,
    usingDevKey,
    providerRoutes: providers.map((p) => p.route),
    async close() {
      await gateway.close();
      await stopServices();
    },
  };
}

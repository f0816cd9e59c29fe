import type { Logger } from "pino";
import type { ClusterNode } from "../cluster/cluster-node.js";
import type { RouteConfig } from "../config/gateway-config.js";
import { builtinAdapters } from "../drivers/builtin-adapters.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import type { Supervisor } from "../kernel/index.js";
import type { PluginHost } from "../plugin-host/plugin-host.js";
import type { AdapterFactory, ChannelAdapter } from "../router/adapter.js";
import { RouteSupervisor } from "../router/route-supervisor.js";
import type { Router } from "../router/router.js";
import type { MessageTracer } from "../tracing/tracer.js";

/** What a route's adapter runs on. */
export interface RouteEnvironment {
  readonly root: Supervisor;
  readonly router: Router;
  readonly log: Logger;
  readonly node: ClusterNode | undefined;
  readonly tracer: MessageTracer;
  readonly pluginHost: PluginHost;
  /** Adapter types beyond the built-in ones (tests, embedders); they win over built-ins. */
  readonly adapters: Readonly<Record<string, AdapterFactory>> | undefined;
}

/**
 * Starts every route in config order: builds its adapter, starts the route's
 * supervisor under the root, registers it with the router and starts it.
 */
export async function startRoutes(
  routes: readonly RouteConfig[],
  env: RouteEnvironment,
): Promise<void> {
  const loaders: AdapterLoaders = {
    ...builtinAdapters(env.pluginHost),
    ...Object.fromEntries(
      Object.entries(env.adapters ?? {}).map(([type, factory]) => [type, async () => factory]),
    ),
  };
  await env.node?.queues.prepare(routes);
  for (const route of routes) await startRoute(route, loaders, env);
}

type AdapterLoaders = Readonly<Record<string, () => Promise<AdapterFactory>>>;

async function startRoute(
  route: RouteConfig,
  loaders: AdapterLoaders,
  env: RouteEnvironment,
): Promise<void> {
  const { router, log } = env;
  const adapter = await buildAdapter(route, loaders);
  const supervisor = await RouteSupervisor.start(env.root, route.name, log);
  const runtime = router.addRoute(route, adapter, supervisor);
  await adapter.start({
    route: route.name,
    channel: route.channel,
    config: route.config,
    log: log.child({ route: route.name, adapter: adapter.type }),
    supervisor,
    report: (report) => router.report(route.name, report),
    demandChanged: () => runtime.feeder.pump(),
    leases: env.node?.leases,
    tracer: env.tracer,
  });
  log.info({ route: route.name, adapter: adapter.type }, "route started");
}

async function buildAdapter(route: RouteConfig, loaders: AdapterLoaders): Promise<ChannelAdapter> {
  const load = loaders[route.adapter];
  if (!load) {
    throw new HermesError(
      ErrorCode.CONFIG_INVALID,
      `route ${route.name}: unknown adapter "${route.adapter}" (known: ${Object.keys(loaders).join(", ")})`,
      { field: `routes.${route.name}.adapter` },
    );
  }
  return (await load())(route.config);
}

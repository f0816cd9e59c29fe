import { pino, type Logger } from "pino";
import { CascadeEngine } from "./cascades/cascade-engine.js";
import { ClusterNode } from "./cluster/cluster-node.js";
import type { GatewayConfig, RouteConfig } from "./config/gateway-config.js";
import { builtinAdapters } from "./drivers/builtin-adapters.js";
import { ErrorCode, HermesError } from "./errors/hermes-error.js";
import { EventBus } from "./events/event-bus.js";
import { Supervisor } from "./kernel/index.js";
import { PluginHost } from "./plugin-host/plugin-host.js";
import { compilePlugin } from "./plugin-host/plugin-module.js";
import { bindPluginHost, PluginRegistry } from "./plugin-registry/index.js";
import type { AdapterFactory, ChannelAdapter } from "./router/adapter.js";
import { RouteSupervisor } from "./router/route-supervisor.js";
import { Router } from "./router/router.js";
import { Scheduler } from "./scheduling/scheduler.js";
import { startApiServer } from "./server/api-server.js";
import { GatewayMetrics } from "./server/metrics.js";
import type { MessageStore } from "./store/message-store.js";
import { SqliteStore } from "./store/sqlite/sqlite-store.js";
import { startTracing } from "./tracing/otel-tracer.js";
import { type MessageTracer, noTracing } from "./tracing/tracer.js";
import { SmppServer } from "./smpp-server/smpp-server.js";
import { SqliteServerStore } from "./smpp-server/sqlite-server-store.js";
import { KeywordMatcher } from "./suppression/keywords.js";
import { SuppressionList } from "./suppression/suppression-list.js";

export const version = "0.1.0";

export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly logger?: Logger;
  /** Adapter types beyond the built-in ones (tests, embedders). */
  readonly adapters?: Readonly<Record<string, AdapterFactory>>;
}

/** A running gateway. */
export interface Gateway {
  /** Base URL of the API, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly port: number;
  /** The operator console (docs/console.md), e.g. http://127.0.0.1:8081/console/, when configured. */
  readonly consoleUrl?: string;
  readonly store: MessageStore;
  readonly router: Router;
  readonly root: Supervisor;
  readonly log: Logger;
  /** Signed WASM plugins: versions, activations, trust store (PluginService). */
  readonly plugins: PluginRegistry;
  /** This gateway's WASM plugin host: its policy, metrics and running plugin routes. */
  readonly pluginHost: PluginHost;
  /** The SMPP server for customers' ESMEs, when the config has one (docs/smpp-server.md). */
  readonly smppServer?: SmppServer;
  /** Stops routes (in reverse order), the server and the store. */
  close(): Promise<void>;
}

/**
 * Starts the gateway: store, supervision tree with one supervisor per route,
 * router, then the server. The server listens last, so nothing is accepted
 * before every route is ready and every unfinished message is queued again.
 * Everything is this gateway's own: two gateways in one process share nothing.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const log = options.logger ?? pino({ level: config.logLevel, name: "hermes" });
  const tracer = config.tracing ? startTracing(config.tracing, version) : noTracing;
  // On a cluster (store.kind "nats") the store, the work queues and the bind leases are NATS's.
  const node = config.store.nats && (await ClusterNode.join(config.store.nats, log));
  const store: MessageStore =
    node?.store ??
    new SqliteStore({ path: config.store.path, synchronous: config.store.synchronous });
  const suppressions =
    store.suppressions &&
    (await SuppressionList.open(
      store.suppressions,
      new KeywordMatcher(config.suppression.keywords),
      log.child({ component: "suppressions" }),
    ));
  const pluginHost = new PluginHost();
  const plugins = new PluginRegistry({
    // A cluster node's registry is a replica of the cluster's, rebuilt at every start.
    path: node ? ":memory:" : config.store.path,
    synchronous: config.store.synchronous,
    maxArtifactBytes: config.plugins.maxArtifactBytes,
    allowUnsigned: config.plugins.allowUnsigned,
    log: log.child({ component: "plugin-registry" }),
    // Refuse at publish what the host's sandbox would refuse at activation.
    validate: async (artifact) => void (await compilePlugin(artifact, pluginHost.policy)),
  });
  // Before the routes start: `plugin:` wasm routes load their active version from the registry.
  const unbindPlugins = bindPluginHost(plugins, pluginHost);
  const catalog = node ? await node.plugins(plugins) : plugins;
  // Watchers follow `bus`. On a cluster every node's events reach it from the event
  // stream, this node's included, so the router's own publishing goes nowhere.
  const bus = new EventBus();
  const routerBus = node ? new EventBus() : bus;
  let router: Router | undefined;
  const metrics = new GatewayMetrics(() =>
    (router?.routes ?? []).map((r) => ({
      route: r.config.name,
      queued: r.feeder.queued,
      inFlight: r.feeder.inFlight,
    })),
  );
  router = new Router({
    config,
    store,
    bus: routerBus,
    metrics,
    log,
    queues: node?.queues.create,
    tracer,
    // Messages held for later wait in this process; a cluster cannot share them yet.
    scheduler: node ? undefined : new Scheduler(config.tenants),
    suppressions,
  });
  const cascades = new CascadeEngine({
    router,
    store,
    bus: routerBus,
    config,
    log: log.child({ component: "cascades" }),
  });
  const root = await Supervisor.start({
    name: "hermes",
    strategy: "one_for_one",
    intensity: 10,
    period: 60_000,
    logger: log,
  });
  let closing = false;
  root.onExit?.((reason: unknown) => {
    if (!closing)
      log.fatal({ reason }, "the root supervisor exited; the gateway cannot recover by itself");
  });
  /** Stops the tree, then what it ran on: the last step of close() and of a failed start. */
  const stopTree = async () => {
    closing = true;
    await root.stop("shutdown");
    suppressions?.close();
    unbindPlugins();
    plugins.close();
    await (node ? node.leave() : store.close());
    await tracer.shutdown().catch((err) => log.warn({ err }, "exporting the last spans failed"));
  };

  try {
    const adapters = { ...builtinAdapters(pluginHost), ...wrapFactories(options.adapters) };
    await node?.queues.prepare(config.routes);
    for (const route of config.routes)
      await startRoute(route, adapters, root, router, log, node, tracer);
  } catch (reason) {
    await stopTree();
    throw reason;
  }

  // A cluster's unfinished messages wait in their work queues: nothing to resume.
  const resumed = node ? 0 : await router.resume();
  if (resumed > 0) log.info({ resumed }, "resumed unfinished messages");
  const cascading = await cascades.resume();
  if (cascading > 0) log.info({ cascades: cascading }, "resumed undecided cascades");
  await node?.follow(bus);
  router.startHousekeeping();

  // Like the API, it takes messages only once every route is ready. Config refuses it on NATS.
  let smppServer: SmppServer | undefined;
  try {
    smppServer =
      config.smppServer &&
      (await SmppServer.start({
        config: config.smppServer,
        router,
        messages: store,
        bus,
        store: new SqliteServerStore(config.store.path, config.store.synchronous),
        registry: metrics.registry,
        log: log.child({ component: "smpp-server" }),
      }));
  } catch (reason) {
    router.stop();
    await stopTree();
    throw reason;
  }

  const server = await startApiServer({
    server: config.server,
    apiKeys: config.apiKeys,
    maxBatchSize: config.limits.maxBatchSize,
    router,
    cascades,
    store,
    bus,
    root,
    registry: catalog,
    metrics,
    // Plugin metrics (hermes_metric) live on the plugin host's registry; the names never clash.
    exposition: async () => ({
      body: (await metrics.registry.metrics()) + (await pluginHost.metrics.registry.metrics()),
      contentType: metrics.registry.contentType,
    }),
    version,
    cluster: node && (() => node.health()),
    tracer,
    console: config.console,
    smppServer: smppServer && (() => smppServer.health()),
    suppressions,
  });
  log.info(
    { url: server.url },
    "gateway listening (Connect, gRPC, gRPC-Web over h2c; Connect over HTTP/1.1)",
  );

  if (server.consoleUrl) log.info({ url: server.consoleUrl }, "operator console");

  return {
    url: server.url,
    port: server.port,
    consoleUrl: server.consoleUrl,
    store,
    router,
    root,
    log,
    plugins,
    pluginHost,
    smppServer,
    async close() {
      // Already while the routes stop: their children ending is not the root failing.
      closing = true;
      await smppServer?.close();
      await server.close();
      cascades.stop();
      router.stop();
      for (const route of [...router.routes].reverse())
        await route.adapter
          .stop()
          .catch((err) => log.warn({ err, route: route.config.name }, "route stop failed"));
      await stopTree();
    },
  };
}

type AdapterLoaders = Readonly<Record<string, () => Promise<AdapterFactory>>>;

function wrapFactories(factories: GatewayOptions["adapters"]): AdapterLoaders {
  return Object.fromEntries(
    Object.entries(factories ?? {}).map(([type, factory]) => [type, async () => factory]),
  );
}

/** Builds a route's adapter, starts its supervisor, registers it with the router and starts it. */
async function startRoute(
  route: RouteConfig,
  adapters: AdapterLoaders,
  root: Supervisor,
  router: Router,
  log: Logger,
  node: ClusterNode | undefined,
  tracer: MessageTracer,
): Promise<void> {
  const adapter = await buildAdapter(route, adapters);
  const supervisor = await RouteSupervisor.start(root, route.name, log);
  const runtime = router.addRoute(route, adapter, supervisor);
  await adapter.start({
    route: route.name,
    channel: route.channel,
    config: route.config,
    log: log.child({ route: route.name, adapter: adapter.type }),
    supervisor,
    report: (report) => router.report(route.name, report),
    demandChanged: () => runtime.feeder.pump(),
    leases: node?.leases,
    tracer,
  });
  log.info({ route: route.name, adapter: adapter.type }, "route started");
}

async function buildAdapter(route: RouteConfig, adapters: AdapterLoaders): Promise<ChannelAdapter> {
  const load = adapters[route.adapter];
  if (!load) {
    throw new HermesError(
      ErrorCode.CONFIG_INVALID,
      `route ${route.name}: unknown adapter "${route.adapter}" (known: ${Object.keys(adapters).join(", ")})`,
      { field: `routes.${route.name}.adapter` },
    );
  }
  return (await load())(route.config);
}

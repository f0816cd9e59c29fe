import { pino, type Logger } from "pino";
import { CascadeEngine } from "./cascades/cascade-engine.js";
import type { ClusterNode } from "./cluster/cluster-node.js";
import { openPlugins } from "./composition/plugins.js";
import { startRoutes } from "./composition/routes.js";
import { openStorage } from "./composition/storage.js";
import type { GatewayConfig } from "./config/gateway-config.js";
import { EventBus } from "./events/event-bus.js";
import { Supervisor } from "./kernel/index.js";
import type { PluginHost } from "./plugin-host/plugin-host.js";
import type { PluginRegistry } from "./plugin-registry/index.js";
import type { AdapterFactory } from "./router/adapter.js";
import { Router } from "./router/router.js";
import { Scheduler } from "./scheduling/scheduler.js";
import { startApiServer } from "./server/api-server.js";
import { GatewayMetrics } from "./server/metrics.js";
import type { MessageStore } from "./store/message-store.js";
import { noTracing } from "./tracing/tracer.js";
import { SmppServer } from "./smpp-server/smpp-server.js";
import { SqliteServerStore } from "./smpp-server/sqlite-server-store.js";

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
 * Starts the gateway: storage, plugins, the router and cascade engine, the
 * supervision tree with one supervisor per route, the SMPP server, then the
 * API port. The port listens last, so nothing is accepted before every route
 * is ready and every unfinished message is queued again. Everything is this
 * gateway's own: two gateways in one process share nothing.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const log = options.logger ?? pino({ level: config.logLevel, name: "hermes" });
  // Loaded only when configured: a gateway that does not trace never loads OpenTelemetry.
  const tracer = config.tracing
    ? (await import("./tracing/otel-tracer.js")).startTracing(config.tracing, version)
    : noTracing;
  const storage = await openStorage(config, log);
  const { node, store, suppressions } = storage;
  const plugins = await openPlugins(config, node, log);
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
    plugins.close();
    await storage.close();
    await tracer.shutdown().catch((err) => log.warn({ err }, "exporting the last spans failed"));
  };

  let smppServer: SmppServer | undefined;
  try {
    const env = { root, router, log, node, tracer, pluginHost: plugins.host };
    await startRoutes(config.routes, { ...env, adapters: options.adapters });
    await resume(router, cascades, node, bus, log);
    // Like the API, it takes messages only once every route is ready. Config refuses it on NATS.
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
    registry: plugins.catalog,
    metrics,
    // Plugin metrics (hermes_metric) live on the plugin host's registry; the names never clash.
    exposition: async () => ({
      body: (await metrics.registry.metrics()) + (await plugins.host.metrics.registry.metrics()),
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
    plugins: plugins.registry,
    pluginHost: plugins.host,
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

/**
 * Picks up what the last run left: unfinished messages are queued again (a
 * cluster's wait in their work queues instead), undecided cascades continue,
 * and housekeeping (expiry, failover) starts.
 */
async function resume(
  router: Router,
  cascades: CascadeEngine,
  node: ClusterNode | undefined,
  bus: EventBus,
  log: Logger,
): Promise<void> {
  const resumed = node ? 0 : await router.resume();
  if (resumed > 0) log.info({ resumed }, "resumed unfinished messages");
  const cascading = await cascades.resume();
  if (cascading > 0) log.info({ cascades: cascading }, "resumed undecided cascades");
  await node?.follow(bus);
  router.startHousekeeping();
}

import { pino, type Logger } from "pino";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { MessageService } from "./gen/hermes/v1/message_service_pb.js";
import { AdminService } from "./gen/hermes/v1/admin_service_pb.js";
import { PluginService } from "./gen/hermes/v1/plugin_service_pb.js";
import type { GatewayConfig, RouteConfig } from "./config/gateway-config.js";
import { ErrorCode, HermesError } from "./errors/hermes-error.js";
import { SqliteStore } from "./store/sqlite-store.js";
import type { MessageStore } from "./store/message-store.js";
import { EventBus } from "./events/event-bus.js";
import { Router } from "./router/router.js";
import { RouteSupervisor } from "./router/route-supervisor.js";
import type { AdapterFactory, ChannelAdapter } from "./router/adapter.js";
import { builtinAdapters } from "./drivers/index.js";
import { Supervisor } from "./kernel/index.js";
import { ApiKeyring, authInterceptor } from "./server/auth.js";
import { GatewayMetrics } from "./server/metrics.js";
import {
  listenDualProtocol,
  type DualProtocolServer,
  type RequestHandler,
} from "./server/http-server.js";
import { messageService } from "./server/services/message-service.js";
import { adminService } from "./server/services/admin-service.js";
import { pluginService } from "./server/services/plugin-service.js";
import { readBody } from "./server/read-body.js";
import { bindPluginHost, PluginRegistry } from "./plugin-registry/index.js";
import { pluginHost } from "./plugin-host/plugin-host.js";
import { compilePlugin } from "./plugin-host/plugin-module.js";

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
  readonly store: MessageStore;
  readonly router: Router;
  readonly root: Supervisor;
  readonly log: Logger;
  /** Signed WASM plugins: versions, activations, trust store (PluginService). */
  readonly plugins: PluginRegistry;
  /** Stops routes (in reverse order), the server and the store. */
  close(): Promise<void>;
}

/**
 * Starts the gateway: store, supervision tree with one supervisor per route,
 * router, then the server. The server listens last, so nothing is accepted
 * before every route is ready and every unfinished message is queued again.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const log = options.logger ?? pino({ level: config.logLevel, name: "hermes" });
  const store = new SqliteStore({ path: config.store.path, synchronous: config.store.synchronous });
  const plugins = new PluginRegistry({
    path: config.store.path,
    synchronous: config.store.synchronous,
    maxArtifactBytes: config.plugins.maxArtifactBytes,
    allowUnsigned: config.plugins.allowUnsigned,
    log: log.child({ component: "plugin-registry" }),
    // Refuse at publish what the host's sandbox would refuse at activation.
    validate: async (artifact) => void (await compilePlugin(artifact, pluginHost.policy)),
  });
  // Before the routes start: `plugin:` wasm routes load their active version from the registry.
  const unbindPlugins = bindPluginHost(plugins, pluginHost);
  const bus = new EventBus();
  let router: Router | undefined;
  const metrics = new GatewayMetrics(() =>
    (router?.routes ?? []).map((r) => ({
      route: r.config.name,
      queued: r.feeder.queued,
      inFlight: r.feeder.inFlight,
    })),
  );
  router = new Router({ config, store, bus, metrics, log });
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
    unbindPlugins();
    plugins.close();
    store.close();
  };

  try {
    for (const route of config.routes) {
      const adapter = await buildAdapter(route, options.adapters);
      const supervisor = await RouteSupervisor.start(root, route.name, log);
      const runtime = router.addRoute(route, adapter, supervisor);
      await adapter.start({
        route: route.name,
        channel: route.channel,
        config: route.config,
        log: log.child({ route: route.name, adapter: adapter.type }),
        supervisor,
        report: (report) => router!.report(route.name, report),
        demandChanged: () => runtime.feeder.pump(),
      });
      log.info({ route: route.name, adapter: adapter.type }, "route started");
    }
  } catch (reason) {
    await stopTree();
    throw reason;
  }

  const resumed = router.resume();
  if (resumed > 0) log.info({ resumed }, "resumed unfinished messages");
  router.startHousekeeping();

  const keyring = new ApiKeyring(config.apiKeys);
  const startedAt = Date.now();
  const rpc = connectNodeAdapter({
    interceptors: [authInterceptor(keyring), timing(metrics)],
    readMaxBytes: 64 * 1024 * 1024,
    routes(r) {
      r.service(
        MessageService,
        messageService({ router: router!, store, bus, maxBatchSize: config.limits.maxBatchSize }),
      );
      r.service(AdminService, adminService({ router: router!, root, version, startedAt }));
      r.service(PluginService, pluginService({ registry: plugins }));
    },
    fallback: (req, res) => void serveHttp(router!, metrics, req, res),
  });
  const server: DualProtocolServer = await listenDualProtocol(
    rpc,
    config.server.port,
    config.server.host,
  );
  const url = `http://${config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host}:${server.port}`;
  log.info({ url }, "gateway listening (Connect, gRPC, gRPC-Web over h2c; Connect over HTTP/1.1)");

  return {
    url,
    port: server.port,
    store,
    router,
    root,
    log,
    plugins,
    async close() {
      // Already while the routes stop: their children ending is not the root failing.
      closing = true;
      await server.close();
      router!.stop();
      for (const route of [...router!.routes].reverse())
        await route.adapter
          .stop()
          .catch((err) => log.warn({ err, route: route.config.name }, "route stop failed"));
      await stopTree();
    },
  };
}

async function buildAdapter(
  route: RouteConfig,
  extra: GatewayOptions["adapters"],
): Promise<ChannelAdapter> {
  const factory = extra?.[route.adapter] ?? (await builtinAdapters[route.adapter]?.());
  if (!factory) {
    const known = [...Object.keys(builtinAdapters), ...Object.keys(extra ?? {})].join(", ");
    throw new HermesError(
      ErrorCode.CONFIG_INVALID,
      `route ${route.name}: unknown adapter "${route.adapter}" (known: ${known})`,
      { field: `routes.${route.name}.adapter` },
    );
  }
  return factory(route.config);
}

/** Records how long each RPC took, labelled by method and outcome. */
function timing(metrics: GatewayMetrics): import("@connectrpc/connect").Interceptor {
  return (next) => async (req) => {
    const stop = metrics.rpcDuration.startTimer({ method: req.method.name });
    try {
      const res = await next(req);
      stop({ code: "ok" });
      return res;
    } catch (reason) {
      stop({
        code:
          (reason as { code?: unknown }).code !== undefined
            ? String((reason as { code: unknown }).code)
            : "unknown",
      });
      throw reason;
    }
  };
}

type Req = Parameters<RequestHandler>[0];
type Res = Parameters<RequestHandler>[1];

/** Plain HTTP beside the RPCs: metrics, liveness, provider webhooks. */
async function serveHttp(
  router: Router,
  metrics: GatewayMetrics,
  req: Req,
  res: Res,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  try {
    if (req.method === "GET" && path === "/metrics") {
      // Plugin metrics (hermes_metric) live on the plugin host's registry; the names never clash.
      const body =
        (await metrics.registry.metrics()) + (await pluginHost.metrics.registry.metrics());
      reply(res, 200, body, metrics.registry.contentType);
      return;
    }
    if (req.method === "GET" && path === "/healthz") {
      reply(res, 200, "ok\n", "text/plain");
      return;
    }
    const webhook = /^\/webhooks\/([a-z0-9][a-z0-9_-]{0,63})\/?$/.exec(path);
    if (webhook) {
      // GET carries providers' subscription challenges (Meta's hub.challenge); events come as POST.
      if (req.method !== "POST" && req.method !== "GET") {
        reply(res, 405, "webhooks take POST (or GET for a verification challenge)\n", "text/plain");
        return;
      }
      const body = req.method === "GET" ? new Uint8Array() : await readBody(req, 8 * 1024 * 1024);
      if (!body) {
        reply(res, 413, "webhook body larger than 8 MiB\n", "text/plain");
        return;
      }
      const answer = await router.webhook(webhook[1], {
        method: req.method,
        url: req.url ?? path,
        headers: req.headers,
        body,
      });
      reply(res, answer.status, answer.body ?? "", answer.contentType ?? "text/plain");
      return;
    }
    reply(res, 404, `not found: ${path}\n`, "text/plain");
  } catch (reason) {
    reply(
      res,
      500,
      `internal error: ${reason instanceof Error ? reason.message : String(reason)}\n`,
      "text/plain",
    );
  }
}

function reply(res: Res, status: number, body: string | Uint8Array, contentType: string): void {
  res.writeHead(status, { "content-type": contentType });
  res.end(body);
}

import { compressionBrotli, compressionGzip, connectNodeAdapter } from "@connectrpc/connect-node";
import type { ApiKeyConfig, ConsoleConfig, ServerConfig } from "../config/gateway-config.js";
import { startConsoleServer } from "../console/console-server.js";
import type { EventBus } from "../events/event-bus.js";
import { AdminService } from "../gen/hermes/v1/admin_service_pb.js";
import { AuthService } from "../gen/hermes/v1/auth_service_pb.js";
import { MessageService } from "../gen/hermes/v1/message_service_pb.js";
import { PluginService } from "../gen/hermes/v1/plugin_service_pb.js";
import { SuppressionService } from "../gen/hermes/v1/suppression_service_pb.js";
import type { Supervisor } from "../kernel/index.js";
import type { PluginCatalog } from "../plugin-registry/index.js";
import type { CascadeEngine } from "../cascades/cascade-engine.js";
import type { Router } from "../router/router.js";
import type { MessageStore } from "../store/message-store.js";
import type { SuppressionList } from "../suppression/suppression-list.js";
import { ApiKeyring, authInterceptor } from "./auth.js";
import { listenDualProtocol } from "./http-server.js";
import { httpRoutes, type HttpRoutesDeps } from "./http-routes.js";
import { refuseMalformedProtobuf } from "./malformed-protobuf.js";
import type { GatewayMetrics } from "./metrics.js";
import { rpcTiming } from "./rpc-timing.js";
import { rpcTracing } from "./rpc-tracing.js";
import type { MessageTracer } from "../tracing/tracer.js";
import {
  adminService,
  type ClusterHealthSource,
  type SmppServerHealthSource,
} from "./services/admin-service.js";
import { authService } from "./services/auth-service.js";
import { messageService } from "./services/message-service.js";
import { pluginService } from "./services/plugin-service.js";
import { suppressionService } from "./services/suppression-service.js";
import { strictJsonOptions } from "./strict-json.js";

export interface ApiServerOptions {
  /** Where to listen, and how long to wait for clients. */
  readonly server: ServerConfig;
  readonly apiKeys: readonly ApiKeyConfig[];
  readonly maxBatchSize: number;
  readonly router: Router;
  /** The intake of Sends and cancels: cascades itself, everything else through the router. */
  readonly cascades: CascadeEngine;
  readonly store: MessageStore;
  readonly bus: EventBus;
  readonly root: Supervisor;
  readonly registry: PluginCatalog;
  readonly metrics: GatewayMetrics;
  readonly exposition: HttpRoutesDeps["metrics"];
  readonly version: string;
  /** A cluster node's NATS connection and leases, for GetHealth. */
  readonly cluster?: ClusterHealthSource;
  /** Spans of the calls, when the gateway traces. */
  readonly tracer: MessageTracer;
  /** The operator console's port, which serves the same RPCs; absent: no console. */
  readonly console?: ConsoleConfig;
  /** The SMPP server's bound accounts, for GetHealth. */
  readonly smppServer?: SmppServerHealthSource;
  /** The tenants' suppression lists (SuppressionService); absent when the store keeps none. */
  readonly suppressions?: SuppressionList;
}

/** The API port, listening. */
export interface ApiServer {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly port: number;
  /** The operator console, e.g. http://127.0.0.1:8081/console/, when it is served. */
  readonly consoleUrl?: string;
  close(): Promise<void>;
}

/**
 * The gateway's one port: MessageService, AdminService, PluginService, AuthService and
 * SuppressionService
 * (Connect, gRPC and gRPC-Web over h2c; Connect over HTTP/1.1), behind API
 * key authentication and RPC timing, with the plain HTTP routes beside them.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { router, store, bus, root, registry } = options;
  const startedAt = Date.now();
  const limits = {
    compressions: [compressionGzip, compressionBrotli],
    readMaxBytes: 64 * 1024 * 1024,
  };
  const rpc = connectNodeAdapter({
    interceptors: [
      ...(options.tracer.enabled ? [rpcTracing(options.tracer)] : []),
      authInterceptor(new ApiKeyring(options.apiKeys)),
      rpcTiming(options.metrics),
    ],
    acceptCompression: limits.compressions,
    readMaxBytes: limits.readMaxBytes,
    jsonOptions: strictJsonOptions,
    routes(r) {
      r.service(
        MessageService,
        messageService({
          cascades: options.cascades,
          store,
          bus,
          maxBatchSize: options.maxBatchSize,
        }),
      );
      r.service(
        AdminService,
        adminService({
          router,
          root,
          version: options.version,
          startedAt,
          counts: (route) => options.metrics.routeCounts(route),
          cluster: options.cluster,
          smppServer: options.smppServer,
        }),
      );
      r.service(PluginService, pluginService({ registry }));
      r.service(AuthService, authService());
      const suppressions = options.suppressions;
      if (suppressions) r.service(SuppressionService, suppressionService({ suppressions }));
      // The adapter serves r.handlers as they are once this returns.
      r.handlers.splice(
        0,
        r.handlers.length,
        ...r.handlers.map((handler) => refuseMalformedProtobuf(handler, limits)),
      );
    },
    fallback: httpRoutes({ router, metrics: options.exposition }),
  });
  const server = await listenDualProtocol(rpc, options.server);
  const consoleServer =
    options.console &&
    (await startConsoleServer({ console: options.console, server: options.server, rpc }).catch(
      async (reason: unknown) => {
        await server.close();
        throw reason;
      },
    ));
  return {
    url: baseUrl(options.server.host, server.port),
    port: server.port,
    consoleUrl: consoleServer && `${baseUrl(options.console!.host, consoleServer.port)}/console/`,
    async close() {
      await Promise.all([server.close(), consoleServer?.close()]);
    },
  };
}

function baseUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

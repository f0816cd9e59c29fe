import { ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  AdminService,
  MessageService,
  PluginService,
  SuppressionService,
} from "@hermes/runtime/contracts";
import { rpcOf } from "../errors/failure.js";
import type { ConnectionSettings } from "./settings.js";

export interface GatewayClients {
  readonly messages: Client<typeof MessageService>;
  readonly admin: Client<typeof AdminService>;
  readonly plugins: Client<typeof PluginService>;
  readonly suppressions: Client<typeof SuppressionService>;
}

/**
 * Connect clients for the gateway: Connect protocol over HTTP/2 cleartext by
 * default (one multiplexed connection, needed for long server streams behind
 * no proxy), HTTP/1.1 with --http1 for proxies that only speak that.
 */
export function createClients(settings: ConnectionSettings): GatewayClients {
  const interceptors = [authorize(settings.token), nameFailures];
  const transport = settings.http1
    ? createConnectTransport({ baseUrl: settings.server, httpVersion: "1.1", interceptors })
    : createConnectTransport({ baseUrl: settings.server, httpVersion: "2", interceptors });
  return {
    messages: createClient(MessageService, transport),
    admin: createClient(AdminService, transport),
    plugins: createClient(PluginService, transport),
    suppressions: createClient(SuppressionService, transport),
  };
}

function authorize(token: string | undefined): Interceptor {
  return (next) => (req) => {
    if (token) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/** Tags errors with the RPC that failed, so "not implemented" can say which call. */
const nameFailures: Interceptor = (next) => async (req) => {
  const rpc = `${req.service.typeName}/${req.method.name}`;
  const tag = (reason: unknown): never => {
    if (reason instanceof ConnectError) (reason as unknown as Record<symbol, string>)[rpcOf] = rpc;
    throw reason;
  };
  try {
    const res = await next(req);
    if (!res.stream) return res;
    const messages = res.message;
    return {
      ...res,
      message: (async function* () {
        try {
          yield* messages;
        } catch (reason) {
          tag(reason);
        }
      })(),
    };
  } catch (reason) {
    return tag(reason);
  }
};

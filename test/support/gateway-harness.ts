import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { pino } from "pino";
import { parseConfig, type GatewayConfig, startGateway, type Gateway } from "@hermes/runtime";
import type { AdapterFactory } from "@hermes/runtime";
import { MessageService, AdminService, PluginService } from "@hermes/runtime/contracts";

export const keys = {
  all: "test-key-all",
  sendOnly: "test-key-send",
  readOnly: "test-key-read",
  otherTenant: "test-key-other",
} as const;

export const testApiKeys = [
  { key: keys.all, tenant: "acme", scopes: ["send", "read", "admin"], name: "all" },
  { key: keys.sendOnly, tenant: "acme", scopes: ["send"], name: "send-only" },
  { key: keys.readOnly, tenant: "acme", scopes: ["read"], name: "read-only" },
  { key: keys.otherTenant, tenant: "globex", scopes: ["send", "read"], name: "other" },
];

export interface TestGateway {
  readonly gateway: Gateway;
  readonly dir: string;
  readonly config: GatewayConfig;
  close(): Promise<void>;
}

/**
 * Starts a real gateway on a free loopback port with its own SQLite file.
 * `raw` is the config file's JSON shape, merged over test defaults.
 */
export async function startTestGateway(
  raw: Record<string, unknown> = {},
  adapters?: Record<string, AdapterFactory>,
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), "hermes-test-"));
  const { server, store, ...rest } = raw;
  const config = parseConfig({
    apiKeys: testApiKeys,
    logLevel: "silent",
    ...rest,
    // A free loopback port unless asked; other server settings merge in.
    server: { host: "127.0.0.1", port: 0, ...(server as object | undefined) },
    // Tests need crash safety, not power-loss safety: NORMAL unless asked.
    store: {
      path: join(dir, "hermes.db"),
      synchronous: "NORMAL",
      ...(store as object | undefined),
    },
  });
  const gateway = await startGateway({
    config,
    adapters,
    logger: pino({ level: process.env.HERMES_TEST_LOG ?? "silent" }),
  });
  return {
    gateway,
    dir,
    config,
    async close() {
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TransportKind = "connect-h2" | "connect-h1" | "grpc" | "grpc-web";

/** A transport of the given protocol, authenticating with an API key. */
export function transport(baseUrl: string, kind: TransportKind, apiKey?: string): Transport {
  const auth: Interceptor = (next) => (req) => {
    if (apiKey) req.header.set("authorization", `Bearer ${apiKey}`);
    return next(req);
  };
  const interceptors = [auth];
  switch (kind) {
    case "connect-h2":
      return createConnectTransport({ baseUrl, httpVersion: "2", interceptors });
    case "connect-h1":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors });
    case "grpc":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
  }
}

export interface Clients {
  readonly messages: Client<typeof MessageService>;
  readonly admin: Client<typeof AdminService>;
  readonly plugins: Client<typeof PluginService>;
}

export function clients(
  baseUrl: string,
  apiKey: string = keys.all,
  kind: TransportKind = "connect-h2",
): Clients {
  const t = transport(baseUrl, kind, apiKey);
  return {
    messages: createClient(MessageService, t),
    admin: createClient(AdminService, t),
    plugins: createClient(PluginService, t),
  };
}

import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { Channel } from "../gen/hermes/v1/message_pb.js";
import { defaultKeywords } from "../suppression/keywords.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { configReaders } from "./config-readers.js";
import { type NatsConfig, parseNatsConfig } from "./nats-config.js";
import {
  type ConsoleConfig,
  parseConsoleConfig,
  parseTracingConfig,
  type TracingConfig,
} from "./observability-config.js";

export type { ConsoleConfig, TracingConfig };
import { parseSmppServerConfig, type SmppServerConfig } from "../smpp-server/config.js";
import { parseSuppression, type SuppressionConfig } from "./suppression-config.js";
import { parseTenants, type TenantConfig } from "./tenant-config.js";

const { object, array, string, boolean, integer, oneOf } = configReaders(invalid);

/** An API key's permissions: send messages, read them, administer the gateway. */
export type Scope = "send" | "read" | "admin";

export interface ApiKeyConfig {
  /** The key itself, or... */
  readonly key?: string;
  /** ...its hex SHA-256, so config files need not hold secrets. */
  readonly sha256?: string;
  readonly tenant: string;
  readonly scopes: readonly Scope[];
  readonly name?: string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** A route: routes of one channel are tried in config order; a DOWN route is skipped. */
export interface RouteConfig {
  readonly name: string;
  readonly channel: Channel;
  /** Adapter type: a built-in driver ("webhook", "smpp", "smtp", "wasm"). */
  readonly adapter: string;
  /** Tenants served; "*" (the default) serves every tenant. */
  readonly tenants: readonly string[];
  /** The adapter's own settings. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly retry: RetryPolicy;
  /** How long an undelivered message lives before it EXPIRES. */
  readonly validitySeconds: number;
}

/**
 * How long the API port waits for a client, in milliseconds. None of these
 * bounds a response: a WatchEvents stream stays open as long as its client
 * keeps the connection.
 */
export interface ServerTimeouts {
  /** A new connection's first bytes, enough to tell HTTP/2 from HTTP/1.1. */
  readonly sniffMs: number;
  /** An HTTP/1.1 request's headers, from the request's first byte. */
  readonly headersMs: number;
  /** A whole request, headers and body: an HTTP/1.1 request or an HTTP/2 stream. */
  readonly requestMs: number;
  /**
   * A connection with nothing in flight: HTTP/1.1 keep-alive, an HTTP/2 session without streams.
   */
  readonly idleMs: number;
  /**
   * How often each HTTP/2 session is PINGed; one that leaves a PING unanswered this long is closed.
   */
  readonly http2PingMs: number;
}

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly timeouts: ServerTimeouts;
  /** Open connections one client address may hold; the next is closed at once. */
  readonly maxConnectionsPerAddress: number;
}

/** Where messages live: SQLite (one process, the default) or NATS JetStream (several nodes). */
export interface StoreConfig {
  readonly kind: "sqlite" | "nats";
  /** The SQLite file (kind "sqlite"). */
  readonly path: string;
  readonly synchronous: "FULL" | "NORMAL";
  /** The JetStream settings; present exactly when kind is "nats". */
  readonly nats?: NatsConfig;
}

export interface GatewayConfig {
  readonly server: ServerConfig;
  readonly store: StoreConfig;
  readonly apiKeys: readonly ApiKeyConfig[];
  readonly routes: readonly RouteConfig[];
  readonly limits: {
    /** Largest encoded message accepted by Send. */
    readonly maxMessageBytes: number;
    readonly maxBatchSize: number;
    /**
     * Messages a route may hold accepted but not yet sent (ready or waiting
     * to retry). Beyond it Send answers RESOURCE_EXHAUSTED and stores nothing,
     * so the backlog, and the memory it takes, stay bounded.
     */
    readonly maxQueuedPerRoute: number;
  };
  readonly plugins: {
    readonly dir: string;
    readonly allowUnsigned: boolean;
    /** Largest .wasm artifact PublishPlugin accepts. */
    readonly maxArtifactBytes: number;
  };
  readonly logLevel: string;
  /** The operator console's port; absent: no console. */
  readonly console?: ConsoleConfig;
  /** Where traces are exported; absent: no tracing. */
  readonly tracing?: TracingConfig;
  /** The SMPP server endpoint for customers' ESMEs (docs/smpp-server.md); absent: none. */
  readonly smppServer?: SmppServerConfig;
  /** Per tenant: quiet hours and cascade policies (config/tenant-config.ts). */
  readonly tenants: Readonly<Record<string, TenantConfig>>;
  /** The inbound keywords that change suppression lists. */
  readonly suppression: SuppressionConfig;
}

const defaultRetry: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 1000, maxBackoffMs: 60_000 };

/** The embedded defaults `npm start` runs on. */
export const defaultConfig: GatewayConfig = {
  server: {
    host: "127.0.0.1",
    port: 8080,
    timeouts: {
      sniffMs: 10_000,
      headersMs: 10_000,
      requestMs: 60_000,
      idleMs: 60_000,
      http2PingMs: 10_000,
    },
    maxConnectionsPerAddress: 256,
  },
  store: { kind: "sqlite", path: "data/hermes.db", synchronous: "FULL" },
  apiKeys: [],
  routes: [],
  limits: { maxMessageBytes: 4 * 1024 * 1024, maxBatchSize: 1000, maxQueuedPerRoute: 100_000 },
  plugins: { dir: "data/plugins", allowUnsigned: false, maxArtifactBytes: 16 * 1024 * 1024 },
  logLevel: "info",
  tenants: {},
  suppression: { keywords: defaultKeywords },
};

const scopes: readonly Scope[] = ["send", "read", "admin"];

/**
 * Reads a config file (JSON) over the defaults, then environment overrides:
 * HERMES_HOST, HERMES_PORT, HERMES_DB, HERMES_LOG_LEVEL, HERMES_API_KEYS
 * ("key:tenant:send+read,key2:tenant2:admin"), HERMES_CONSOLE_PORT and
 * HERMES_OTLP_ENDPOINT.
 */
/**
 * The config file to read when none is named: HERMES_CONFIG, else ./hermes.config.json if it
 * exists.
 */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.HERMES_CONFIG || (existsSync("hermes.config.json") ? "hermes.config.json" : undefined);
}

export function loadConfig(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  const file = path ? (readJson(path) as Record<string, unknown>) : {};
  const config = parseConfig(file);
  return applyEnv(config, env);
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw invalid(path, `cannot read config file: ${(cause as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw invalid(path, `config file is not valid JSON: ${(cause as Error).message}`);
  }
}

/** Validates a parsed config object, naming the field at fault. */
export function parseConfig(raw: Record<string, unknown>): GatewayConfig {
  const store = parseStore(object(raw.store, "store"));
  const limits = object(raw.limits, "limits");
  const plugins = object(raw.plugins, "plugins");
  const server = parseServer(object(raw.server, "server"));
  const smppServer = parseSmppServerConfig(raw.smppServer, store.kind);
  const tenants = parseTenants(raw.tenants, invalid, parseChannel);
  if (store.kind === "nats") refuseOnCluster(tenants);
  return {
    server,
    store,
    apiKeys: array(raw.apiKeys, "apiKeys").map((k, i) =>
      parseApiKey(object(k, `apiKeys[${i}]`), `apiKeys[${i}]`),
    ),
    routes: array(raw.routes, "routes").map((r, i) =>
      parseRoute(object(r, `routes[${i}]`), `routes[${i}]`),
    ),
    limits: {
      maxMessageBytes:
        integer(limits.maxMessageBytes, "limits.maxMessageBytes", 1) ??
        defaultConfig.limits.maxMessageBytes,
      maxBatchSize:
        integer(limits.maxBatchSize, "limits.maxBatchSize", 1) ?? defaultConfig.limits.maxBatchSize,
      maxQueuedPerRoute:
        integer(limits.maxQueuedPerRoute, "limits.maxQueuedPerRoute", 1) ??
        defaultConfig.limits.maxQueuedPerRoute,
    },
    plugins: {
      dir: string(plugins.dir, "plugins.dir") ?? defaultConfig.plugins.dir,
      allowUnsigned: boolean(plugins.allowUnsigned, "plugins.allowUnsigned") ?? false,
      maxArtifactBytes:
        integer(plugins.maxArtifactBytes, "plugins.maxArtifactBytes", 1) ??
        defaultConfig.plugins.maxArtifactBytes,
    },
    logLevel: string(raw.logLevel, "logLevel") ?? defaultConfig.logLevel,
    console: parseConsoleConfig(object(raw.console, "console"), invalid, server.host),
    tracing: parseTracingConfig(object(raw.tracing, "tracing"), invalid),
    ...(smppServer && { smppServer }),
    tenants,
    suppression: parseSuppression(raw.suppression, invalid),
  };
}

/** What a NATS cluster cannot do yet: scheduled sends and cascades need the SQLite store. */
function refuseOnCluster(tenants: Readonly<Record<string, TenantConfig>>): void {
  for (const [tenant, config] of Object.entries(tenants)) {
    if (config.quietHours)
      throw invalid(
        `tenants.${tenant}.quietHours`,
        'is not supported with store.kind "nats" yet: messages held for later need the SQLite store (docs/scale-out.md)',
      );
    if (Object.keys(config.cascades).length > 0)
      throw invalid(
        `tenants.${tenant}.cascades`,
        'are not supported with store.kind "nats" yet: cascades need the SQLite store (docs/scale-out.md)',
      );
  }
}

function parseServer(raw: Record<string, unknown>): ServerConfig {
  const defaults = defaultConfig.server;
  const timeouts = object(raw.timeouts, "server.timeouts");
  const ms = (name: keyof ServerTimeouts) =>
    integer(timeouts[name], `server.timeouts.${name}`, 1) ?? defaults.timeouts[name];
  const parsed: ServerTimeouts = {
    sniffMs: ms("sniffMs"),
    headersMs: ms("headersMs"),
    requestMs: ms("requestMs"),
    idleMs: ms("idleMs"),
    http2PingMs: ms("http2PingMs"),
  };
  // Headers are part of the request: node:http refuses a header timeout longer than the request's.
  if (parsed.headersMs > parsed.requestMs)
    throw invalid(
      "server.timeouts.headersMs",
      `must not exceed server.timeouts.requestMs (${parsed.requestMs})`,
    );
  return {
    host: string(raw.host, "server.host") ?? defaults.host,
    port: integer(raw.port, "server.port", 0, 65535) ?? defaults.port,
    timeouts: parsed,
    maxConnectionsPerAddress:
      integer(raw.maxConnectionsPerAddress, "server.maxConnectionsPerAddress", 1) ??
      defaults.maxConnectionsPerAddress,
  };
}

function parseStore(store: Record<string, unknown>): StoreConfig {
  const kind = oneOf(store.kind, "store.kind", ["sqlite", "nats"] as const) ?? "sqlite";
  return {
    kind,
    path: string(store.path, "store.path") ?? defaultConfig.store.path,
    synchronous:
      oneOf(store.synchronous, "store.synchronous", ["FULL", "NORMAL"] as const) ?? "FULL",
    nats:
      kind === "nats"
        ? parseNatsConfig(
            store,
            invalid,
            `${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}-${process.pid}`,
          )
        : undefined,
  };
}

function parseApiKey(raw: Record<string, unknown>, at: string): ApiKeyConfig {
  const key = string(raw.key, `${at}.key`);
  const sha256 = string(raw.sha256, `${at}.sha256`);
  if (!key && !sha256) throw invalid(at, "needs key or sha256");
  if (sha256 && !/^[0-9a-f]{64}$/.test(sha256))
    throw invalid(`${at}.sha256`, "must be 64 lower-case hex digits");
  const tenant = string(raw.tenant, `${at}.tenant`);
  if (!tenant) throw invalid(`${at}.tenant`, "is required");
  const granted = array(raw.scopes, `${at}.scopes`).map(
    (s, i) => oneOf(s, `${at}.scopes[${i}]`, scopes)!,
  );
  if (granted.length === 0)
    throw invalid(`${at}.scopes`, "needs at least one of send, read, admin");
  return { key, sha256, tenant, scopes: granted, name: string(raw.name, `${at}.name`) };
}

/** Channel names as written in config files: "sms", "email", "push", "chat", "webhook". */
export function parseChannel(value: unknown, at: string): Channel {
  const name = typeof value === "string" ? value.toUpperCase() : "";
  const channel = (Channel as unknown as Record<string, number>)[name];
  if (channel === undefined || channel === Channel.UNSPECIFIED) {
    throw invalid(
      at,
      `unknown channel ${JSON.stringify(value)}; use sms, email, push, chat or webhook`,
    );
  }
  return channel;
}

function parseRoute(raw: Record<string, unknown>, at: string): RouteConfig {
  const name = string(raw.name, `${at}.name`);
  if (!name || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name))
    throw invalid(`${at}.name`, "must match [a-z0-9][a-z0-9_-]{0,63}");
  const adapter = string(raw.adapter, `${at}.adapter`);
  if (!adapter) throw invalid(`${at}.adapter`, "is required");
  const retry = object(raw.retry, `${at}.retry`);
  const tenants = array(raw.tenants, `${at}.tenants`).map(
    (t, i) => string(t, `${at}.tenants[${i}]`)!,
  );
  return {
    name,
    channel: parseChannel(raw.channel, `${at}.channel`),
    adapter,
    tenants: tenants.length > 0 ? tenants : ["*"],
    config: object(raw.config, `${at}.config`),
    retry: {
      maxAttempts:
        integer(retry.maxAttempts, `${at}.retry.maxAttempts`, 1) ?? defaultRetry.maxAttempts,
      initialBackoffMs:
        integer(retry.initialBackoffMs, `${at}.retry.initialBackoffMs`, 0) ??
        defaultRetry.initialBackoffMs,
      maxBackoffMs:
        integer(retry.maxBackoffMs, `${at}.retry.maxBackoffMs`, 0) ?? defaultRetry.maxBackoffMs,
    },
    validitySeconds: integer(raw.validitySeconds, `${at}.validitySeconds`, 1) ?? 86_400,
  };
}

function applyEnv(config: GatewayConfig, env: NodeJS.ProcessEnv): GatewayConfig {
  const apiKeys = env.HERMES_API_KEYS ? parseApiKeysEnv(env.HERMES_API_KEYS) : config.apiKeys;
  return {
    ...config,
    server: {
      ...config.server,
      host: env.HERMES_HOST ?? config.server.host,
      port: env.HERMES_PORT
        ? integer(Number(env.HERMES_PORT), "HERMES_PORT", 0, 65535)!
        : config.server.port,
    },
    store: { ...config.store, path: env.HERMES_DB ?? config.store.path },
    logLevel: env.HERMES_LOG_LEVEL ?? config.logLevel,
    apiKeys,
    console: env.HERMES_CONSOLE_PORT
      ? parseConsoleConfig(
          { ...config.console, port: Number(env.HERMES_CONSOLE_PORT) },
          (at, reason) => invalid(at === "console.port" ? "HERMES_CONSOLE_PORT" : at, reason),
          env.HERMES_HOST ?? config.server.host,
        )
      : config.console,
    tracing: env.HERMES_OTLP_ENDPOINT
      ? parseTracingConfig({ ...config.tracing, endpoint: env.HERMES_OTLP_ENDPOINT }, invalid)
      : config.tracing,
  };
}

function parseApiKeysEnv(value: string): ApiKeyConfig[] {
  return value.split(",").map((entry, i) => {
    const [key, tenant, granted] = entry.trim().split(":");
    if (!key || !tenant || !granted)
      throw invalid(`HERMES_API_KEYS[${i}]`, 'expected "key:tenant:scope+scope"');
    return parseApiKey({ key, tenant, scopes: granted.split("+") }, `HERMES_API_KEYS[${i}]`);
  });
}

function invalid(at: string, reason: string): HermesError {
  return new HermesError(ErrorCode.CONFIG_INVALID, `${at} ${reason}`, { field: at });
}

import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import { configReaders } from "../../config/config-readers.js";

const { object, string, boolean, integer, oneOf } = configReaders(invalid);

/** How Hermes hands messages to KumoMTA. */
export type Injection = "smtp" | "http";

/** STARTTLS use: when KumoMTA offers it (its default), always (fail without), never. */
export type StartTls = "opportunistic" | "required" | "never";

export interface SmtpInjectionConfig {
  readonly host: string;
  readonly port: number;
  /**
   * Implicit TLS from the first byte (port 465 style); KumoMTA listeners usually use STARTTLS
   * instead.
   */
  readonly secure: boolean;
  readonly starttls: StartTls;
  readonly tls: {
    /** Verify KumoMTA's certificate (default true). Its default certificate is self-signed. */
    readonly rejectUnauthorized: boolean;
    /** PEM of a CA (or the self-signed certificate itself) to trust. */
    readonly ca?: string;
    /** Name to verify the certificate against, when it differs from host. */
    readonly servername?: string;
  };
  /** AUTH PLAIN credentials (KumoMTA offers AUTH only after STARTTLS). */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Pooled connections, i.e. concurrent injections. */
  readonly maxConnections: number;
  /** Messages per connection before it is replaced. */
  readonly maxMessages: number;
  /** EHLO name. */
  readonly clientName: string;
  readonly connectionTimeoutMs: number;
  readonly socketTimeoutMs: number;
  /** Backoff of reconnection after a lost or refused connection. */
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
}

export interface HttpInjectionConfig {
  /** Base URL of KumoMTA's HTTP listener, e.g. http://127.0.0.1:8000. */
  readonly url: string;
  /** HTTP Basic credentials, when the listener validates them (http_server_validate_auth_basic). */
  readonly auth?: { readonly user: string; readonly pass: string };
  readonly concurrency: number;
  readonly timeoutMs: number;
}

export interface WebhookConfig {
  /** Shared secret the log hook must send; without it the endpoint refuses every request. */
  readonly secret?: string;
  readonly secretHeader: string;
  /** Meta key a KumoMTA policy may copy the Hermes id into. */
  readonly correlationMetaKey: string;
  readonly dedupeCapacity: number;
}

export interface SmtpDriverConfig {
  readonly injection: Injection;
  readonly smtp: SmtpInjectionConfig;
  readonly http?: HttpInjectionConfig;
  /** Default From when a message has none, e.g. "News <news@example.com>". */
  readonly from?: string;
  /** MAIL FROM (bounce address); defaults to the From address. */
  readonly envelopeSender?: string;
  /**
   * Header names: KumoMTA's queue helper reads tenant and campaign from X-Tenant and X-Campaign by
   * default.
   */
  readonly headers: {
    readonly tenant: string;
    readonly campaign: string;
    readonly messageId: string;
  };
  /** Message metadata key whose value becomes the campaign header. */
  readonly campaignMetadataKey: string;
  readonly webhook: WebhookConfig;
}

/** Reads a route's `config` object, naming the field at fault. */
export function parseSmtpDriverConfig(raw: Readonly<Record<string, unknown>>): SmtpDriverConfig {
  const smtp = object(raw.smtp, "smtp");
  const tls = object(smtp.tls, "smtp.tls");
  const reconnect = object(smtp.reconnect, "smtp.reconnect");
  const headers = object(raw.headers, "headers");
  const webhook = object(raw.webhook, "webhook");
  const injection = oneOf(raw.injection, "injection", ["smtp", "http"] as const) ?? "smtp";
  const http = raw.http === undefined ? undefined : parseHttp(object(raw.http, "http"));
  if (injection === "http" && !http)
    throw invalid(
      "http",
      'is required when injection is "http" (http.url of the KumoMTA HTTP listener)',
    );
  const secure = boolean(smtp.secure, "smtp.secure") ?? false;
  return {
    injection,
    smtp: {
      host: string(smtp.host, "smtp.host") ?? "127.0.0.1",
      port: integer(smtp.port, "smtp.port", 1, 65535) ?? (secure ? 465 : 2025),
      secure,
      starttls:
        oneOf(smtp.starttls, "smtp.starttls", ["opportunistic", "required", "never"] as const) ??
        "opportunistic",
      tls: {
        rejectUnauthorized: boolean(tls.rejectUnauthorized, "smtp.tls.rejectUnauthorized") ?? true,
        ca: string(tls.ca, "smtp.tls.ca"),
        servername: string(tls.servername, "smtp.tls.servername"),
      },
      auth: credentials(smtp.auth, "smtp.auth"),
      maxConnections: integer(smtp.maxConnections, "smtp.maxConnections", 1, 1000) ?? 4,
      maxMessages: integer(smtp.maxMessages, "smtp.maxMessages", 1) ?? 1000,
      clientName: string(smtp.clientName, "smtp.clientName") ?? "hermes",
      connectionTimeoutMs:
        integer(smtp.connectionTimeoutMs, "smtp.connectionTimeoutMs", 1) ?? 10_000,
      socketTimeoutMs: integer(smtp.socketTimeoutMs, "smtp.socketTimeoutMs", 1) ?? 60_000,
      reconnect: {
        initialMs: integer(reconnect.initialMs, "smtp.reconnect.initialMs", 1) ?? 500,
        maxMs: integer(reconnect.maxMs, "smtp.reconnect.maxMs", 1) ?? 30_000,
      },
    },
    http,
    from: string(raw.from, "from"),
    envelopeSender: string(raw.envelopeSender, "envelopeSender"),
    headers: {
      tenant: headerName(headers.tenant, "headers.tenant") ?? "X-Tenant",
      campaign: headerName(headers.campaign, "headers.campaign") ?? "X-Campaign",
      messageId: headerName(headers.messageId, "headers.messageId") ?? "X-Hermes-Message-Id",
    },
    campaignMetadataKey: string(raw.campaignMetadataKey, "campaignMetadataKey") ?? "campaign",
    webhook: {
      secret: string(webhook.secret, "webhook.secret") || undefined,
      secretHeader:
        headerName(webhook.secretHeader, "webhook.secretHeader") ?? "X-Hermes-Webhook-Secret",
      correlationMetaKey:
        string(webhook.correlationMetaKey, "webhook.correlationMetaKey") ?? "hermes_message_id",
      dedupeCapacity: integer(webhook.dedupeCapacity, "webhook.dedupeCapacity", 1) ?? 100_000,
    },
  };
}

function parseHttp(http: Record<string, unknown>): HttpInjectionConfig {
  const url = string(http.url, "http.url");
  if (!url || !/^https?:\/\//.test(url))
    throw invalid("http.url", "must be the http(s) URL of KumoMTA's HTTP listener");
  return {
    url: url.replace(/\/+$/, ""),
    auth: credentials(http.auth, "http.auth"),
    concurrency: integer(http.concurrency, "http.concurrency", 1, 1000) ?? 16,
    timeoutMs: integer(http.timeoutMs, "http.timeoutMs", 1) ?? 10_000,
  };
}

function credentials(value: unknown, at: string): { user: string; pass: string } | undefined {
  if (value === undefined) return undefined;
  const raw = object(value, at);
  const user = string(raw.user, `${at}.user`);
  const pass = string(raw.pass, `${at}.pass`);
  if (!user || pass === undefined) throw invalid(at, "needs user and pass");
  return { user, pass };
}

function headerName(value: unknown, at: string): string | undefined {
  const name = string(value, at);
  if (name !== undefined && !/^[A-Za-z0-9-]+$/.test(name))
    throw invalid(at, "must be a header name (letters, digits, -)");
  return name;
}

function invalid(at: string, reason: string): HermesError {
  return new HermesError(ErrorCode.CONFIG_INVALID, `smtp route config.${at} ${reason}`, {
    field: `config.${at}`,
  });
}

import type { InvalidConfig } from "./config-readers.js";
import { configReaders } from "./config-readers.js";

/** The operator console (docs/console.md): on a port of its own, off unless a port is set. */
export interface ConsoleConfig {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
}

/** OpenTelemetry traces (docs/tracing.md): off unless an endpoint is set. */
export interface TracingConfig {
  /** The collector's OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces. */
  readonly endpoint: string;
  /** The spans' `service.name`; default "hermes". */
  readonly serviceName: string;
  /** Headers for the collector (e.g. an authorization token). */
  readonly headers: Readonly<Record<string, string>>;
  /** The share of traces recorded that no caller's `traceparent` decided, 0 to 1; default 1. */
  readonly sampleRatio: number;
  /** How often batches of spans are sent; default 1000 ms. */
  readonly exportIntervalMs: number;
}

/** `console` of a config file, or undefined when it sets no port. */
export function parseConsoleConfig(
  raw: Record<string, unknown>,
  invalid: InvalidConfig,
  defaultHost: string,
): ConsoleConfig | undefined {
  const { string, integer } = configReaders(invalid);
  const port = integer(raw.port, "console.port", 0, 65535);
  const host = string(raw.host, "console.host");
  if (port === undefined) {
    if (host !== undefined) throw invalid("console.port", "is required to serve the console");
    return undefined;
  }
  return { host: host ?? defaultHost, port };
}

/** `tracing` of a config file, or undefined when it sets no endpoint. */
export function parseTracingConfig(
  raw: Record<string, unknown>,
  invalid: InvalidConfig,
): TracingConfig | undefined {
  const { object, string, integer } = configReaders(invalid);
  const endpoint = string(raw.endpoint, "tracing.endpoint");
  if (endpoint === undefined) {
    if (Object.keys(raw).length > 0)
      throw invalid("tracing.endpoint", "is required to export traces");
    return undefined;
  }
  if (!/^https?:\/\/[^/]/.test(endpoint))
    throw invalid(
      "tracing.endpoint",
      "must be an http(s) URL, e.g. http://127.0.0.1:4318/v1/traces",
    );
  const headers = object(raw.headers, "tracing.headers");
  for (const [name, value] of Object.entries(headers)) string(value, `tracing.headers.${name}`);
  const ratio = raw.sampleRatio ?? 1;
  if (typeof ratio !== "number" || !(ratio >= 0 && ratio <= 1))
    throw invalid("tracing.sampleRatio", "must be a number from 0 to 1");
  return {
    endpoint,
    serviceName: string(raw.serviceName, "tracing.serviceName") ?? "hermes",
    headers: headers as Record<string, string>,
    sampleRatio: ratio,
    exportIntervalMs: integer(raw.exportIntervalMs, "tracing.exportIntervalMs", 1) ?? 1000,
  };
}

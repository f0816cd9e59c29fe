import { readFileSync } from "node:fs";
import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import type { IdFormat } from "./receipts.js";
import type { Alphabet, LongMessageMode } from "./sms-encoding.js";

export type BindMode = "transceiver" | "transmitter+receiver";

export interface TlsSettings {
  /** Verify the SMSC's certificate (default true; turn off only for a lab SMSC). */
  readonly rejectUnauthorized: boolean;
  /** Extra CA certificates (PEM text), e.g. a carrier's private CA. */
  readonly ca?: string;
  readonly servername?: string;
}

/** A carrier's settings, every default filled in (see docs/smpp.md). */
export interface SmppConfig {
  readonly host: string;
  readonly port: number;
  readonly tls: TlsSettings | undefined;
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  readonly addressRange: string;
  readonly bindMode: BindMode;
  /** Sessions that submit (transceivers, or transmitters in transmitter+receiver mode). */
  readonly sessions: number;
  /** Receiver binds in transmitter+receiver mode. */
  readonly receivers: number;
  readonly window: number;
  /** Messages per second across the carrier's sessions; 0 = no cap. */
  readonly throughput: number;
  readonly burst: number;
  readonly connectTimeoutMs: number;
  readonly bindTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly enquireLinkIntervalMs: number;
  readonly enquireLinkTimeoutMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly maxRestarts: number;
  readonly restartPeriodMs: number;
  readonly downCooldownMs: number;
  readonly throttlePauseMs: number;
  readonly maxThrottleRetries: number;
  readonly temporaryRetries: number;
  readonly temporaryRetryDelayMs: number;
  readonly drainTimeoutMs: number;
  readonly alphabet: Alphabet;
  readonly gsmDataCoding: number;
  readonly longMessage: LongMessageMode;
  readonly udhReference: 8 | 16;
  readonly maxParts: number;
  readonly sourceAddress: string;
  readonly sourceTon: number | undefined;
  readonly sourceNpi: number | undefined;
  readonly destTon: number;
  readonly destNpi: number;
  readonly serviceType: string;
  readonly registeredDelivery: number;
  readonly sendValidity: boolean;
  readonly submitIdFormat: IdFormat;
  readonly receiptIdFormat: IdFormat;
  readonly multipartReceipts: "all" | "first";
  readonly inboundPartsTimeoutMs: number;
  readonly maxPduBytes: number;
}

function invalid(key: string, reason: string): HermesError {
  return new HermesError(ErrorCode.CONFIG_INVALID, `smpp config.${key} ${reason}`, {
    field: `config.${key}`,
  });
}

function str(raw: Record<string, unknown>, key: string, fallback?: string): string {
  const value = raw[key] ?? fallback;
  if (typeof value !== "string")
    throw invalid(key, fallback === undefined ? "is required (a string)" : "must be a string");
  return value;
}

function int(
  raw: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw invalid(key, `must be an integer from ${min} to ${max}`);
  return value;
}

function optionalInt(
  raw: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number | undefined {
  return raw[key] === undefined ? undefined : int(raw, key, 0, min, max);
}

function oneOf<T extends string | number>(
  raw: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = (raw[key] ?? fallback) as T;
  if (!allowed.includes(value))
    throw invalid(key, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
  return value;
}

function bool(raw: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = raw[key] ?? fallback;
  if (typeof value !== "boolean") throw invalid(key, "must be true or false");
  return value;
}

/** `tls`: false (default), true, or { rejectUnauthorized, ca (PEM text), caFile, servername }. */
function parseTls(value: unknown): TlsSettings | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { rejectUnauthorized: true };
  if (typeof value !== "object" || value === null)
    throw invalid("tls", "must be true, false or an object");
  const raw = value as Record<string, unknown>;
  const caFile = raw.caFile === undefined ? undefined : str(raw, "caFile");
  let ca = raw.ca === undefined ? undefined : str(raw, "ca");
  if (caFile) {
    try {
      ca = readFileSync(caFile, "utf8");
    } catch (cause) {
      throw invalid("tls.caFile", `cannot be read: ${(cause as Error).message}`);
    }
  }
  return {
    rejectUnauthorized: bool(raw, "rejectUnauthorized", true),
    ca,
    servername: raw.servername === undefined ? undefined : str(raw, "servername"),
  };
}

/** Validates a route's `config` for the smpp adapter, naming the key at fault. */
export function parseSmppConfig(raw: Readonly<Record<string, unknown>>): SmppConfig {
  const r = raw as Record<string, unknown>;
  const throughput = int(r, "throughput", 0, 0, 1_000_000);
  const longMessage = oneOf(r, "longMessage", ["udh", "sar", "payload"] as const, "udh");
  const sessions = int(r, "sessions", 1, 1, 64);
  const reconnectInitialMs = int(r, "reconnectInitialMs", 500, 1);
  const reconnectMaxMs = int(
    r,
    "reconnectMaxMs",
    Math.max(30_000, reconnectInitialMs),
    reconnectInitialMs,
  );
  return {
    host: str(r, "host"),
    port: int(r, "port", 2775, 1, 65535),
    tls: parseTls(r.tls),
    systemId: str(r, "systemId"),
    password: str(r, "password", ""),
    systemType: str(r, "systemType", ""),
    addressRange: str(r, "addressRange", ""),
    bindMode: oneOf(r, "bindMode", ["transceiver", "transmitter+receiver"] as const, "transceiver"),
    sessions,
    receivers: int(r, "receivers", 1, 1, 64),
    window: int(r, "window", 10, 1, 10_000),
    throughput,
    burst: int(r, "burst", Math.max(1, Math.ceil(throughput / 10)), 1),
    connectTimeoutMs: int(r, "connectTimeoutMs", 5000, 1),
    bindTimeoutMs: int(r, "bindTimeoutMs", 5000, 1),
    responseTimeoutMs: int(r, "responseTimeoutMs", 10_000, 1),
    enquireLinkIntervalMs: int(r, "enquireLinkIntervalMs", 30_000, 1),
    enquireLinkTimeoutMs: int(r, "enquireLinkTimeoutMs", 10_000, 1),
    reconnectInitialMs,
    reconnectMaxMs,
    maxRestarts: int(r, "maxRestarts", 5, 0),
    restartPeriodMs: int(r, "restartPeriodMs", 60_000, 1),
    downCooldownMs: int(r, "downCooldownMs", 30_000, 1),
    throttlePauseMs: int(r, "throttlePauseMs", 1000, 0),
    maxThrottleRetries: int(r, "maxThrottleRetries", 10, 0),
    temporaryRetries: int(r, "temporaryRetries", 2, 0),
    temporaryRetryDelayMs: int(r, "temporaryRetryDelayMs", 500, 0),
    drainTimeoutMs: int(r, "drainTimeoutMs", 2000, 0),
    alphabet: oneOf(r, "alphabet", ["gsm7", "latin1", "ucs2"] as const, "gsm7"),
    gsmDataCoding: oneOf(r, "gsmDataCoding", [0x00, 0x01] as const, 0x00),
    longMessage,
    udhReference: oneOf(r, "udhReference", [8, 16] as const, 8),
    maxParts: int(r, "maxParts", 10, 1, 255),
    sourceAddress: str(r, "sourceAddress", ""),
    sourceTon: optionalInt(r, "sourceTon", 0, 6),
    sourceNpi: optionalInt(r, "sourceNpi", 0, 18),
    destTon: int(r, "destTon", 1, 0, 6),
    destNpi: int(r, "destNpi", 1, 0, 18),
    serviceType: str(r, "serviceType", ""),
    registeredDelivery: int(r, "registeredDelivery", 1, 0, 0x1f),
    sendValidity: bool(r, "sendValidity", true),
    submitIdFormat: oneOf(r, "submitIdFormat", ["string", "hex", "decimal"] as const, "string"),
    receiptIdFormat: oneOf(r, "receiptIdFormat", ["string", "hex", "decimal"] as const, "string"),
    multipartReceipts: oneOf(r, "multipartReceipts", ["all", "first"] as const, "all"),
    inboundPartsTimeoutMs: int(r, "inboundPartsTimeoutMs", 60_000, 1),
    maxPduBytes: int(r, "maxPduBytes", longMessage === "payload" ? 70_000 : 16_384, 64, 1_048_576),
  };
}

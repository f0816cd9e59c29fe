import { readFileSync } from "node:fs";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { configReaders } from "../config/config-readers.js";

const { object, array, string, boolean, integer, oneOf } = configReaders(invalid);

/** What an account may do: submit (transmitter, transceiver binds) and receive (receiver, transceiver). */
export type AccountScope = "send" | "read";

/** An ESME's account: who binds as what, for which tenant, within which limits. */
export interface SmppAccountConfig {
  readonly systemId: string;
  /** `<salt hex>:<scrypt hash hex>` (passwords.ts); or `password`, plaintext, for development. */
  readonly passwordScrypt?: string;
  readonly password?: string;
  readonly tenant: string;
  readonly scopes: readonly AccountScope[];
  /** Binds of this account open at once, every kind together. */
  readonly maxBinds: number;
  /** submit_sm/data_sm received and not yet answered, all binds together; beyond it ESME_RMSGQFUL. */
  readonly window: number;
  /** Message parts per second, all binds together; beyond it ESME_RTHROTTLED. 0: no limit. */
  readonly throughput: number;
  /** Also receive receipts for the tenant's email messages (sent through the API). */
  readonly emailReceipts: boolean;
}

/** An MO routing rule: an MO matching it goes to `account`. */
export interface MoRule {
  readonly account: string;
  /** Destination numbers: exact ("+447700900100"), or a prefix ending in "*" ("+4477009*"). */
  readonly numbers: readonly string[];
  /** First words of the text, compared without case ("STOP"). */
  readonly keywords: readonly string[];
}

export interface SmppServerTls {
  readonly port: number;
  readonly cert: string;
  readonly key: string;
}

/** The SMPP server endpoint (docs/smpp-server.md), every default filled in. */
export interface SmppServerConfig {
  readonly host: string;
  /** Plain TCP; 0 picks a free port. */
  readonly port: number;
  readonly tls: SmppServerTls | undefined;
  readonly accounts: readonly SmppAccountConfig[];
  readonly mo: readonly MoRule[];
  /** Largest PDU read; a larger command_length closes the connection. */
  readonly maxPduBytes: number;
  /** A connection that has not bound within this is closed. */
  readonly bindTimeoutMs: number;
  /** How long a refused bind waits for its ESME_RBINDFAIL; doubles per recent failure from the address. */
  readonly failedBindDelayMs: number;
  readonly maxFailedBindDelayMs: number;
  /** Connections one address holds open (bound or not); the next one is closed at once. */
  readonly maxConnectionsPerAddress: number;
  /** Bind attempts one address may make per second (bursts of twice that); beyond, the connection is closed. */
  readonly bindsPerSecondPerAddress: number;
  /** How long an undelivered receipt or MO waits for its account to bind. */
  readonly receiptTtlSeconds: number;
  /** deliver_sm unanswered per receiving bind. */
  readonly receiptWindow: number;
  /** How long a deliver_sm may wait for its deliver_sm_resp before it is sent again. */
  readonly receiptTimeoutMs: number;
  /** Wait before a refused or unanswered deliver_sm is sent again. */
  readonly receiptRetryMs: number;
  /** How long the parts of a concatenated submit are waited for before what came is sent. */
  readonly partsTimeoutMs: number;
}

export const smppServerDefaults = {
  host: "0.0.0.0",
  port: 2775,
  maxPduBytes: 65_536,
  bindTimeoutMs: 10_000,
  failedBindDelayMs: 1000,
  maxFailedBindDelayMs: 30_000,
  maxConnectionsPerAddress: 32,
  bindsPerSecondPerAddress: 5,
  receiptTtlSeconds: 72 * 3600,
  receiptWindow: 10,
  receiptTimeoutMs: 10_000,
  receiptRetryMs: 5000,
  partsTimeoutMs: 300_000,
  maxBinds: 4,
  window: 100,
  throughput: 0,
} as const;

const accountScopes: readonly AccountScope[] = ["send", "read"];

/**
 * Reads the gateway config's `smppServer` section; undefined when there is
 * none. `store` is the config's store kind: the server keeps its receipts in
 * the gateway's SQLite file, so a NATS cluster cannot have one yet.
 */
export function parseSmppServerConfig(
  value: unknown,
  storeKind: "sqlite" | "nats",
): SmppServerConfig | undefined {
  if (value === undefined) return undefined;
  const raw = object(value, "smppServer");
  if (storeKind === "nats")
    throw invalid(
      "smppServer",
      'needs store.kind "sqlite": its receipt outbox is not kept in NATS yet (docs/smpp-server.md)',
    );
  const d = smppServerDefaults;
  const ms = (key: string, fallback: number, min = 1) =>
    integer(raw[key], `smppServer.${key}`, min) ?? fallback;
  const accounts = array(raw.accounts, "smppServer.accounts").map((a, i) =>
    parseAccount(object(a, `smppServer.accounts[${i}]`), `smppServer.accounts[${i}]`),
  );
  if (accounts.length === 0) throw invalid("smppServer.accounts", "needs at least one account");
  const ids = new Set<string>();
  accounts.forEach((account, i) => {
    if (ids.has(account.systemId))
      throw invalid(`smppServer.accounts[${i}].systemId`, `"${account.systemId}" is used twice`);
    ids.add(account.systemId);
  });
  const mo = array(raw.mo, "smppServer.mo").map((r, i) =>
    parseMoRule(object(r, `smppServer.mo[${i}]`), `smppServer.mo[${i}]`, ids),
  );
  const maxFailedBindDelayMs = ms("maxFailedBindDelayMs", d.maxFailedBindDelayMs, 0);
  return {
    host: string(raw.host, "smppServer.host") ?? d.host,
    port: integer(raw.port, "smppServer.port", 0, 65535) ?? d.port,
    tls: parseTls(raw.tls),
    accounts,
    mo,
    maxPduBytes: integer(raw.maxPduBytes, "smppServer.maxPduBytes", 1024) ?? d.maxPduBytes,
    bindTimeoutMs: ms("bindTimeoutMs", d.bindTimeoutMs),
    failedBindDelayMs: Math.min(
      ms("failedBindDelayMs", d.failedBindDelayMs, 0),
      maxFailedBindDelayMs,
    ),
    maxFailedBindDelayMs,
    maxConnectionsPerAddress: ms("maxConnectionsPerAddress", d.maxConnectionsPerAddress),
    bindsPerSecondPerAddress: ms("bindsPerSecondPerAddress", d.bindsPerSecondPerAddress),
    receiptTtlSeconds: ms("receiptTtlSeconds", d.receiptTtlSeconds),
    receiptWindow: ms("receiptWindow", d.receiptWindow),
    receiptTimeoutMs: ms("receiptTimeoutMs", d.receiptTimeoutMs),
    receiptRetryMs: ms("receiptRetryMs", d.receiptRetryMs, 0),
    partsTimeoutMs: ms("partsTimeoutMs", d.partsTimeoutMs),
  };
}

function parseAccount(raw: Record<string, unknown>, at: string): SmppAccountConfig {
  const systemId = string(raw.systemId, `${at}.systemId`);
  // SMPP 3.4 5.2.1: system_id is at most 15 octets, password at most 8.
  if (!systemId || !/^[\x21-\x7e]{1,15}$/.test(systemId))
    throw invalid(`${at}.systemId`, "must be 1-15 printable ASCII characters");
  const password = string(raw.password, `${at}.password`);
  const passwordScrypt = string(raw.passwordScrypt, `${at}.passwordScrypt`);
  if (password === undefined && passwordScrypt === undefined)
    throw invalid(at, "needs passwordScrypt (or password, for development)");
  if (passwordScrypt !== undefined && !/^[0-9a-f]{32}:[0-9a-f]{64}$/.test(passwordScrypt))
    throw invalid(
      `${at}.passwordScrypt`,
      'must be "<32 hex digits of salt>:<64 hex digits of hash>" (hermes smpp password)',
    );
  if (password !== undefined && password.length > 8)
    throw invalid(`${at}.password`, "must be at most 8 characters (SMPP 3.4)");
  const tenant = string(raw.tenant, `${at}.tenant`);
  if (!tenant) throw invalid(`${at}.tenant`, "is required");
  const scopes = array(raw.scopes, `${at}.scopes`).map(
    (s, i) => oneOf(s, `${at}.scopes[${i}]`, accountScopes)!,
  );
  const d = smppServerDefaults;
  return {
    systemId,
    password,
    passwordScrypt,
    tenant,
    scopes: scopes.length > 0 ? scopes : accountScopes,
    maxBinds: integer(raw.maxBinds, `${at}.maxBinds`, 1) ?? d.maxBinds,
    window: integer(raw.window, `${at}.window`, 1) ?? d.window,
    throughput: integer(raw.throughput, `${at}.throughput`, 0) ?? d.throughput,
    emailReceipts: boolean(raw.emailReceipts, `${at}.emailReceipts`) ?? false,
  };
}

function parseMoRule(
  raw: Record<string, unknown>,
  at: string,
  accounts: ReadonlySet<string>,
): MoRule {
  const account = string(raw.account, `${at}.account`);
  if (!account || !accounts.has(account))
    throw invalid(`${at}.account`, "must name an account's systemId");
  const numbers = array(raw.numbers, `${at}.numbers`).map((n, i) => {
    const number = string(n, `${at}.numbers[${i}]`)!;
    if (!/^\+?[0-9]+\*?$/.test(number))
      throw invalid(`${at}.numbers[${i}]`, 'must be digits, "+" first and "*" last allowed');
    return number;
  });
  const keywords = array(raw.keywords, `${at}.keywords`).map((k, i) => {
    const keyword = string(k, `${at}.keywords[${i}]`)!;
    if (!/^\S+$/.test(keyword)) throw invalid(`${at}.keywords[${i}]`, "must be one word");
    return keyword;
  });
  if (numbers.length === 0 && keywords.length === 0)
    throw invalid(at, "needs numbers, keywords or both");
  return { account, numbers, keywords };
}

/** `tls`: { port, cert and key as PEM text, or certFile and keyFile }. */
function parseTls(value: unknown): SmppServerTls | undefined {
  if (value === undefined) return undefined;
  const raw = object(value, "smppServer.tls");
  const pem = (name: "cert" | "key") => {
    const file = string(raw[`${name}File`], `smppServer.tls.${name}File`);
    if (file === undefined) {
      const text = string(raw[name], `smppServer.tls.${name}`);
      if (!text) throw invalid(`smppServer.tls.${name}`, `is required (or ${name}File)`);
      return text;
    }
    try {
      return readFileSync(file, "utf8");
    } catch (cause) {
      throw invalid(`smppServer.tls.${name}File`, `cannot be read: ${(cause as Error).message}`);
    }
  };
  return {
    port: integer(raw.port, "smppServer.tls.port", 0, 65535) ?? 3550,
    cert: pem("cert"),
    key: pem("key"),
  };
}

function invalid(at: string, reason: string): HermesError {
  return new HermesError(ErrorCode.CONFIG_INVALID, `${at} ${reason}`, { field: at });
}

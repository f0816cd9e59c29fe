import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Channel } from "../gen/hermes/v1/message_pb.js";
import { HermesError } from "../errors/hermes-error.js";
import { loadConfig, parseConfig } from "./gateway-config.js";

test("defaults fill what a config leaves out", () => {
  const config = parseConfig({ routes: [{ name: "sms-main", channel: "sms", adapter: "smpp" }] });
  assert.equal(config.server.port, 8080);
  assert.equal(config.store.synchronous, "FULL");
  assert.deepEqual(config.routes[0].tenants, ["*"]);
  assert.equal(config.routes[0].channel, Channel.SMS);
  assert.equal(config.routes[0].retry.maxAttempts, 5);
  assert.deepEqual(config.server.timeouts, {
    sniffMs: 10_000,
    headersMs: 10_000,
    requestMs: 60_000,
    idleMs: 60_000,
    http2PingMs: 10_000,
  });
  assert.equal(config.server.maxConnectionsPerAddress, 256);
});

test("server timeouts and the per-address cap are read field by field over the defaults", () => {
  const config = parseConfig({
    server: { timeouts: { requestMs: 20_000, http2PingMs: 250 }, maxConnectionsPerAddress: 8 },
  });
  assert.deepEqual(config.server.timeouts, {
    sniffMs: 10_000,
    headersMs: 10_000,
    requestMs: 20_000,
    idleMs: 60_000,
    http2PingMs: 250,
  });
  assert.equal(config.server.maxConnectionsPerAddress, 8);
  // The environment overrides host and port only; the rest of server stays.
  const env = loadConfig(undefined, { HERMES_PORT: "9100" });
  assert.equal(env.server.port, 9100);
  assert.equal(env.server.timeouts.requestMs, 60_000);
});

test("a bad config names the field at fault", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [
      { routes: [{ name: "x", channel: "fax", adapter: "webhook" }] },
      /routes\[0\]\.channel unknown channel "fax"/,
    ],
    [
      { routes: [{ name: "Bad Name", channel: "sms", adapter: "smpp" }] },
      /routes\[0\]\.name must match/,
    ],
    [{ server: { port: 70000 } }, /server\.port must be an integer from 0 to 65535/],
    [{ apiKeys: [{ tenant: "a", scopes: ["send"] }] }, /apiKeys\[0\] needs key or sha256/],
    [
      { apiKeys: [{ key: "k", tenant: "a", scopes: ["root"] }] },
      /apiKeys\[0\]\.scopes\[0\] must be one of send, read, admin/,
    ],
    [{ routes: "nope" }, /routes must be an array/],
    [{ server: { timeouts: 5 } }, /server\.timeouts must be an object/],
    [
      { server: { timeouts: { idleMs: 0 } } },
      /server\.timeouts\.idleMs must be an integer from 1 to/,
    ],
    [
      { server: { timeouts: { sniffMs: "10s" } } },
      /server\.timeouts\.sniffMs must be an integer from 1 to/,
    ],
    [
      { server: { timeouts: { headersMs: 20_000, requestMs: 15_000 } } },
      /server\.timeouts\.headersMs must not exceed server\.timeouts\.requestMs \(15000\)/,
    ],
    [
      { server: { maxConnectionsPerAddress: 0 } },
      /server\.maxConnectionsPerAddress must be an integer from 1 to/,
    ],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => parseConfig(raw),
      (e: unknown) => e instanceof HermesError && message.test(e.message),
      String(message),
    );
  }
});

test("a config file is read, and the environment overrides it", () => {
  const dir = mkdtempSync(join(tmpdir(), "hermes-config-"));
  try {
    const path = join(dir, "hermes.json");
    writeFileSync(
      path,
      JSON.stringify({
        server: { port: 9000 },
        apiKeys: [{ key: "file-key", tenant: "a", scopes: ["send"] }],
      }),
    );
    const config = loadConfig(path, {
      HERMES_PORT: "9100",
      HERMES_DB: "/tmp/x.db",
      HERMES_API_KEYS: "k1:acme:send+read,k2:ops:admin",
    });
    assert.equal(config.server.port, 9100);
    assert.equal(config.store.path, "/tmp/x.db");
    assert.deepEqual(
      config.apiKeys.map((k) => [k.tenant, k.scopes]),
      [
        ["acme", ["send", "read"]],
        ["ops", ["admin"]],
      ],
    );
    writeFileSync(path, "{ not json");
    assert.throws(() => loadConfig(path, {}), /config file is not valid JSON/);
    assert.throws(() => loadConfig(join(dir, "missing.json"), {}), /cannot read config file/);
    assert.throws(
      () => loadConfig(undefined, { HERMES_API_KEYS: "justakey" }),
      /HERMES_API_KEYS\[0\] expected "key:tenant:scope\+scope"/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('store.kind "nats" reads the JetStream settings, with defaults, and names the field at fault', () => {
  const config = parseConfig({
    store: { kind: "nats", servers: ["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"], replicas: 3 },
  });
  assert.equal(config.store.kind, "nats");
  assert.deepEqual(config.store.nats?.servers, ["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"]);
  assert.equal(config.store.nats?.replicas, 3);
  assert.equal(config.store.nats?.prefix, "hermes");
  assert.equal(config.store.nats?.correlationTtlMs, 72 * 3600 * 1000);
  assert.equal(parseConfig({}).store.nats, undefined, "SQLite has no NATS settings");
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ kind: "redis" }, /store\.kind must be one of sqlite, nats/],
    [{ kind: "nats" }, /store\.servers is required for store\.kind "nats"/],
    [{ kind: "nats", servers: ["http://x"] }, /store\.servers\[0\] is not a NATS URL/],
    [{ kind: "nats", servers: ["nats://x:1"], prefix: "a.b" }, /store\.prefix must match/],
    [
      { kind: "nats", servers: ["nats://x:1"], leaseTtlMs: 2000, leaseRenewMs: 1500 },
      /store\.leaseRenewMs must be at most half of store\.leaseTtlMs/,
    ],
  ];
  for (const [store, message] of cases) {
    assert.throws(
      () => parseConfig({ store }),
      (e: unknown) => e instanceof HermesError && message.test(e.message),
      String(message),
    );
  }
});

test("the console and tracing are off unless configured; their fields are checked", () => {
  const plain = parseConfig({});
  assert.equal(plain.console, undefined);
  assert.equal(plain.tracing, undefined);
  const config = parseConfig({
    server: { host: "0.0.0.0" },
    console: { port: 8081 },
    tracing: { endpoint: "http://127.0.0.1:4318/v1/traces", sampleRatio: 0.25 },
  });
  assert.deepEqual(config.console, { host: "0.0.0.0", port: 8081 });
  assert.deepEqual(config.tracing, {
    endpoint: "http://127.0.0.1:4318/v1/traces",
    serviceName: "hermes",
    headers: {},
    sampleRatio: 0.25,
    exportIntervalMs: 1000,
  });
  const env = loadConfig(undefined, {
    HERMES_CONSOLE_PORT: "9181",
    HERMES_OTLP_ENDPOINT: "https://otel.example.com/v1/traces",
  });
  assert.deepEqual(env.console, { host: "127.0.0.1", port: 9181 });
  assert.equal(env.tracing?.endpoint, "https://otel.example.com/v1/traces");
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ console: { host: "0.0.0.0" } }, /console\.port is required/],
    [{ console: { port: -1 } }, /console\.port must be an integer/],
    [{ tracing: { sampleRatio: 1 } }, /tracing\.endpoint is required/],
    [{ tracing: { endpoint: "collector:4318" } }, /tracing\.endpoint must be an http\(s\) URL/],
    [{ tracing: { endpoint: "http://c/v1/traces", sampleRatio: 2 } }, /tracing\.sampleRatio/],
    [{ tracing: { endpoint: "http://c/v1/traces", headers: { a: 1 } } }, /tracing\.headers\.a/],
  ];
  for (const [raw, expected] of cases) assert.throws(() => parseConfig(raw), expected);
});

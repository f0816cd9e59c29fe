import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../gen/hermes/v1/error_pb.js";
import { parseSmppConfig } from "./config.js";

const invalid = (raw: Record<string, unknown>, field: string) =>
  assert.throws(
    () => parseSmppConfig(raw),
    (error: { code: ErrorCode; field: string }) => {
      assert.equal(error.code, ErrorCode.CONFIG_INVALID);
      assert.equal(error.field, field);
      return true;
    },
  );

test("defaults fill in everything but host and systemId", () => {
  const config = parseSmppConfig({ host: "smsc.example", systemId: "hermes" });
  assert.equal(config.port, 2775);
  assert.equal(config.tls, undefined);
  assert.equal(config.bindMode, "transceiver");
  assert.equal(config.window, 10);
  assert.equal(config.throughput, 0);
  assert.equal(config.alphabet, "gsm7");
  assert.equal(config.gsmDataCoding, 0);
  assert.equal(config.longMessage, "udh");
  assert.equal(config.udhReference, 8);
  assert.equal(config.registeredDelivery, 1);
  assert.equal(config.maxPduBytes, 16_384);
  assert.equal(
    parseSmppConfig({ host: "h", systemId: "s", longMessage: "payload" }).maxPduBytes,
    70_000,
  );
  assert.equal(parseSmppConfig({ host: "h", systemId: "s", throughput: 200 }).burst, 20);
});

test("TLS verifies the certificate unless told not to", () => {
  assert.deepEqual(parseSmppConfig({ host: "h", systemId: "s", tls: true }).tls, {
    rejectUnauthorized: true,
  });
  assert.equal(
    parseSmppConfig({ host: "h", systemId: "s", tls: { ca: "PEM" } }).tls?.rejectUnauthorized,
    true,
  );
  assert.equal(
    parseSmppConfig({ host: "h", systemId: "s", tls: { rejectUnauthorized: false } }).tls
      ?.rejectUnauthorized,
    false,
  );
  invalid(
    { host: "h", systemId: "s", tls: { caFile: "/nonexistent/ca.pem" } },
    "config.tls.caFile",
  );
});

test("a bad value names its key", () => {
  invalid({ systemId: "s" }, "config.host");
  invalid({ host: "h" }, "config.systemId");
  invalid({ host: "h", systemId: "s", window: 0 }, "config.window");
  invalid({ host: "h", systemId: "s", bindMode: "receiver" }, "config.bindMode");
  invalid({ host: "h", systemId: "s", gsmDataCoding: 8 }, "config.gsmDataCoding");
  invalid({ host: "h", systemId: "s", udhReference: 12 }, "config.udhReference");
  invalid({ host: "h", systemId: "s", port: "2775" }, "config.port");
  invalid(
    { host: "h", systemId: "s", reconnectInitialMs: 1000, reconnectMaxMs: 10 },
    "config.reconnectMaxMs",
  );
});

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { HttpRequestSchema } from "@hermes/runtime/contracts/plugin";
import { ErrorCode } from "@hermes/runtime/contracts";
import type { HermesError } from "@hermes/runtime";
import { hostAllowed, performRequest, type PluginHttpOptions } from "@hermes/runtime/plugin-host";
import { HttpSink } from "../support/http-sink.js";

const options: PluginHttpOptions = {
  allowedHosts: ["127.0.0.1"],
  allowHttp: true,
  defaultTimeoutMs: 2000,
  maxTimeoutMs: 5000,
  maxResponseBytes: 1000,
};
const request = (url: string, init: Record<string, unknown> = {}) =>
  create(HttpRequestSchema, { method: "POST", url, body: new TextEncoder().encode("hi"), ...init });

test("allowed hosts: exact names and *.domain patterns, never the bare domain or a lookalike", () => {
  const allowed = ["api.twilio.com", "*.sendgrid.net"];
  assert.ok(hostAllowed("api.twilio.com", allowed));
  assert.ok(hostAllowed("API.Twilio.com", allowed));
  assert.ok(hostAllowed("eu.api.sendgrid.net", allowed));
  assert.ok(!hostAllowed("sendgrid.net", allowed));
  assert.ok(!hostAllowed("evilsendgrid.net", allowed));
  assert.ok(!hostAllowed("api.twilio.com.evil.example", allowed));
  assert.ok(!hostAllowed("127.0.0.1", []));
});

describe("the host's HTTP client for plugins", () => {
  const sink = new HttpSink();
  let url = "";
  before(async () => {
    url = await sink.start();
  });
  after(() => sink.close());

  test("a host outside the allowlist or a scheme not allowed is denied before any I/O", async () => {
    const denied = (pattern: RegExp) => (error: HermesError) =>
      error.code === ErrorCode.PLUGIN_DENIED && !error.retryable && pattern.test(error.message);
    await assert.rejects(
      performRequest(request("https://evil.example.com/x"), options),
      denied(/evil\.example\.com/),
    );
    await assert.rejects(
      performRequest(request(`${url}/x`), { ...options, allowHttp: false }),
      denied(/only https are allowed/),
    );
    await assert.rejects(performRequest(request("ftp://127.0.0.1/x"), options), denied(/ftp/));
    assert.equal(sink.received.length, 0);
  });

  test("status, headers and body come back; redirects are not followed", async () => {
    sink.answer = () => ({
      status: 302,
      headers: { location: "https://evil.example.com/", "x-id": "7" },
      body: "moved",
    });
    const response = await performRequest(
      request(`${url}/send`, { headers: [{ name: "authorization", value: "Bearer k" }] }),
      options,
    );
    assert.equal(response.status, 302);
    assert.equal(new TextDecoder().decode(response.body), "moved");
    assert.ok(response.headers.some((h) => h.name === "x-id" && h.value === "7"));
    assert.equal(sink.received.length, 1, "the redirect was not followed");
    assert.equal(sink.received[0]!.headers.authorization, "Bearer k");
    assert.equal(sink.received[0]!.body, "hi");
  });

  test("no answer in time, a body over the cap and a refused connection are retryable transport errors", async () => {
    sink.answer = () => ({ status: 200, body: "late", delayMs: 500 });
    const late = await performRequest(request(`${url}/slow`, { timeoutMs: 50 }), options);
    assert.equal(late.transportError?.code, ErrorCode.TIMEOUT);
    assert.equal(late.transportError?.retryable, true);

    sink.answer = () => ({ status: 200, body: "x".repeat(5000) });
    const big = await performRequest(request(`${url}/big`), options);
    assert.equal(big.transportError?.code, ErrorCode.PROVIDER_UNAVAILABLE);
    assert.match(big.transportError?.message ?? "", /body over 1000 bytes/);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await performRequest(request(`http://127.0.0.1:${port}/closed`), options);
    assert.equal(refused.transportError?.code, ErrorCode.PROVIDER_UNAVAILABLE);
    assert.match(refused.transportError?.message ?? "", /ECONNREFUSED/);
  });
});

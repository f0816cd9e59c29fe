// The conformance kit must catch what it claims to: each test here feeds it
// a plugin or fixtures that break one rule and checks that the failing
// check says so.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { runConformance, type ConformanceReport } from "@hermes/runtime/conformance";
import { buildPlugin as buildHostTestPlugin } from "../plugin-host/fixtures/build.js";
import { buildTemplate, templateFixtures } from "./support/templates.js";

function check(report: ConformanceReport, name: string) {
  const found = report.checks.find((c) => c.name === name);
  assert.ok(found, `no check "${name}" in: ${report.checks.map((c) => c.name).join(" | ")}`);
  return found;
}

describe("the conformance kit", () => {
  let restGeneric: Uint8Array;
  before(async () => {
    const built = await buildTemplate("rest-generic");
    restGeneric = built.wasm;
    built.cleanup();
  });

  test("a module the host rejects fails the first check and stops there", async () => {
    const report = await runConformance(new TextEncoder().encode("not wasm"), { config: {} });
    assert.equal(report.ok, false);
    assert.equal(report.checks.length, 1);
    assert.match(check(report, "manifest: the host accepts the module").detail, /plugin rejected/);
  });

  test("fixtures that disagree with the plugin fail the case with the difference", async () => {
    const { config, sends } = templateFixtures("rest-generic");
    const good = sends![0]!;
    const report = await runConformance(restGeneric, {
      config,
      cases: {
        sends: [
          {
            ...good,
            name: "wrong id",
            expect: { outcome: "submitted", providerMessageId: "not-the-id" },
          },
          {
            ...good,
            name: "wrong url",
            requests: [{ url: "https://api.example.com/v2/messages" }],
          },
          { ...good, name: "wrong outcome", expect: { outcome: "retryable" } },
          { ...good, name: "too few answers", responses: [] },
        ],
        badConfigs: [
          { name: "a config it accepts", config: { method: "POST" }, fields: ["method"] },
        ],
      },
    });
    assert.equal(report.ok, false);
    assert.match(
      check(report, "send: wrong id").detail,
      /provider message id msg-123, expected not-the-id/,
    );
    assert.match(
      check(report, "send: wrong url").detail,
      /step 1: URL https:\/\/api\.example\.com\/v1\/messages, expected/,
    );
    assert.match(
      check(report, "send: wrong outcome").detail,
      /submitted as msg-123, expected a retryable failure/,
    );
    assert.match(
      check(report, "send: too few answers").detail,
      /asked for request 1 .* recorded only 0/,
    );
    assert.match(
      check(report, "configure: refuses a config it accepts").detail,
      /no problem with a reason names method/,
    );
    assert.equal(check(report, "configure: accepts the working config").ok, true);
  });

  test("a request outside allowed_hosts fails unless the operator allows the host", async () => {
    const { config, sends } = templateFixtures("rest-generic");
    const offlist = {
      ...sends![0]!,
      requests: undefined,
      config: { url: "https://evil.example.net/send" },
    };
    const denied = await runConformance(restGeneric, { config, cases: { sends: [offlist] } });
    assert.match(
      check(denied, `send: ${offlist.name}`).detail,
      /goes to evil\.example\.net, outside allowed_hosts \(api\.example\.com\)/,
    );
    const allowed = await runConformance(restGeneric, {
      config,
      cases: { sends: [offlist] },
      allowHosts: ["evil.example.net"],
    });
    assert.equal(check(allowed, `send: ${offlist.name}`).ok, true);
  });

  test("a trap, a host outside the manifest and a webhook that accepts an altered body are each reported", async () => {
    const wasm = await buildHostTestPlugin();
    const message = (text: string) => ({
      id: "m-1",
      channel: "CHANNEL_SMS",
      to: { phone: "+15551234567" },
      content: { text },
    });
    const report = await runConformance(wasm, {
      config: { api_key: "k", base_url: "https://127.0.0.1" },
      soakSends: 10,
      cases: {
        sends: [
          {
            name: "ok",
            message: message("hello"),
            responses: [{ status: 200, body: "prov-1" }],
            expect: { outcome: "submitted", providerMessageId: "prov-1" },
          },
          {
            name: "offlist",
            message: message("offlist"),
            responses: [{ status: 200, body: "x" }],
            expect: { outcome: "submitted" },
          },
          {
            name: "trap",
            message: message("trap"),
            responses: [],
            expect: { outcome: "permanent" },
          },
        ],
        webhooks: [
          {
            name: "unsigned",
            signed: true,
            request: { url: "/webhooks/x", body: "prov-1:delivered" },
            expect: { status: 200, events: [{ providerMessageId: "prov-1", status: "DELIVERED" }] },
          },
        ],
      },
    });
    assert.equal(report.ok, false);
    assert.equal(check(report, "send: ok").ok, true, check(report, "send: ok").detail);
    assert.match(
      check(report, "send: offlist").detail,
      /evil\.example\.com, outside allowed_hosts/,
    );
    assert.match(check(report, "send: trap").detail, /unreachable/);
    assert.equal(check(report, "webhook: unsigned").ok, true);
    assert.match(
      check(report, "webhook: unsigned, body altered after signing, is refused").detail,
      /replied 200, expected 401 or 403/,
    );
  });
});

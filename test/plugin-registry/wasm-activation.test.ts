import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Channel, MessageSchema, ErrorCode, ErrorSchema } from "@hermes/runtime/contracts";
import { HermesError } from "@hermes/runtime";
import { generateKeyPair, sign } from "@hermes/runtime/plugin-registry";
import { HttpSink } from "../support/http-sink.js";
import { clients, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { buildPlugin, testManifest } from "../plugin-host/fixtures/build.js";

/**
 * The registry driving real WASM routes: a route configured with
 * `plugin: "test-sms"` runs the active published version (a real
 * AssemblyScript plugin, compiled by asc during the run, that stamps its
 * manifest version on each provider request), and PluginService activations
 * and rollbacks hot-swap it.
 */
describe("published plugins on wasm routes", () => {
  const provider = new HttpSink();
  const dir = mkdtempSync(join(tmpdir(), "hermes-registry-wasm-"));
  const path = join(dir, "hermes.db");
  const publisher = generateKeyPair();
  let providerUrl = "";
  let gw: TestGateway | undefined;
  let sent = 0;

  const route = () => ({
    name: "sms",
    channel: "sms",
    adapter: "wasm",
    config: {
      plugin: "test-sms",
      config: { api_key: "secret-key", base_url: providerUrl },
      allowHttp: true,
      workers: 1,
    },
    retry: { maxAttempts: 1, initialBackoffMs: 10, maxBackoffMs: 20 },
  });

  /** Sends one SMS and answers with the plugin version that made the provider request. */
  async function versionServing(): Promise<string> {
    const text = `probe-${++sent}`;
    await clients(gw!.gateway.url).messages.send({
      message: create(MessageSchema, {
        channel: Channel.SMS,
        to: { kind: { case: "phone", value: "+15551234567" } },
        content: { text },
      }),
    });
    for (let i = 0; i < 200; i++) {
      const request = provider.received.find((r) => r.body === text);
      if (request) return String(request.headers["x-plugin-version"]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`the provider never received ${text}`);
  }

  before(async () => {
    providerUrl = await provider.start();
    provider.answer = () => ({ status: 200, body: `prov-${sent}` });
  });
  after(async () => {
    await gw?.close();
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a plugin route cannot start before a version is active", async () => {
    await assert.rejects(
      startTestGateway({ store: { path }, routes: [route()] }),
      (error: unknown) => {
        assert.ok(error instanceof HermesError);
        assert.equal(error.code, ErrorCode.CONFIG_INVALID);
        assert.match(error.message, /plugin "test-sms" has no active version/);
        return true;
      },
    );
  });

  test("publish and activate, then the route runs it; activate, veto and roll back swap it live", async () => {
    const [v1, v2, v3] = await Promise.all([
      buildPlugin("test-plugin", testManifest({ version: "1.0.0" })),
      buildPlugin("test-plugin", testManifest({ version: "2.0.0" })),
      // 3.0.0 needs a config field the route does not set: the host cannot load it.
      buildPlugin(
        "test-plugin",
        testManifest({
          version: "3.0.0",
          configSchema: [...testManifest().configSchema!, { name: "region", required: true }],
        }),
      ),
    ]).then((modules) => modules.map((m) => sign(m, publisher.secretKey)));

    const setup = await startTestGateway({ store: { path } });
    try {
      const plugins = clients(setup.gateway.url).plugins;
      await plugins.trustKey({ publicKey: publisher.publicKey.raw, comment: "test publisher" });
      await plugins.publishPlugin({ artifact: v1, activate: true });
    } finally {
      await setup.close();
    }

    gw = await startTestGateway({ store: { path }, routes: [route()] });
    const plugins = clients(gw.gateway.url).plugins;
    assert.equal(await versionServing(), "1.0.0");

    await plugins.publishPlugin({ artifact: v2 });
    assert.equal(await versionServing(), "1.0.0", "publishing alone changes nothing");
    const activated = await plugins.activatePlugin({ name: "test-sms", version: "2.0.0" });
    assert.equal(activated.previousVersion, "1.0.0");
    assert.equal(gw.gateway.pluginHost.routes().find((r) => r.route === "sms")?.version, "2.0.0");
    assert.equal(await versionServing(), "2.0.0");

    await plugins.publishPlugin({ artifact: v3 });
    const vetoed = await plugins.activatePlugin({ name: "test-sms", version: "3.0.0" }).then(
      () => assert.fail("3.0.0 was activated"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(vetoed.code, Code.FailedPrecondition);
    assert.equal(vetoed.findDetails(ErrorSchema)[0]?.code, ErrorCode.PLUGIN_REJECTED);
    assert.match(
      vetoed.rawMessage,
      /test-sms@3\.0\.0 was not activated: 1 of 1 route\(s\) could not load it \(route sms: .*region is required\); 2\.0\.0 stays active/,
    );
    assert.deepEqual(
      (await plugins.listPlugins({ name: "test-sms" })).plugins.map((p) => [p.version, p.active]),
      [
        ["1.0.0", false],
        ["2.0.0", true],
        ["3.0.0", false],
      ],
    );
    assert.equal(await versionServing(), "2.0.0");

    const back = await plugins.rollbackPlugin({ name: "test-sms" });
    assert.equal(back.plugin?.version, "1.0.0");
    assert.equal(await versionServing(), "1.0.0");
  });
});

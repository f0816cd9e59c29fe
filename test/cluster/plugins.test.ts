// Plugins cluster-wide: a version published and activated through one node
// is served by the others (each verifies it against its own trust store and
// hot-swaps), and a rollback through another node swaps them all back.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema } from "@hermes/runtime/contracts";
import { generateKeyPair, sign } from "@hermes/runtime/plugin-registry";
import { NatsServer } from "@hermes/runtime/simulators";
import { buildPlugin, testManifest } from "../plugin-host/fixtures/build.js";
import { clients, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { HttpSink } from "../support/http-sink.js";
import { poll } from "../support/wait.js";

let nats: NatsServer;
const provider = new HttpSink();
let providerUrl = "";
const nodes: TestGateway[] = [];

before(async () => {
  nats = await NatsServer.start();
  providerUrl = await provider.start();
  provider.answer = () => ({ status: 200, body: "ok" });
});
after(async () => {
  for (const node of nodes) await node.close();
  await provider.close();
  await nats.stop();
});

const store = () => ({ kind: "nats", servers: [nats.url], prefix: "plugins" });
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
});

/** The plugin version each node's host runs on its `sms` route. */
const serving = () =>
  nodes.slice(1).map((n) => n.gateway.pluginHost.routes().find((r) => r.route === "sms")?.version);

test("publish and activate on one node, every node serves it; roll back on another, every node goes back", {
  timeout: 120_000,
}, async () => {
  const publisher = generateKeyPair();
  const [v1, v2] = await Promise.all([
    buildPlugin("test-plugin", testManifest({ version: "1.0.0" })),
    buildPlugin("test-plugin", testManifest({ version: "2.0.0" })),
  ]).then((modules) => modules.map((m) => sign(m, publisher.secretKey)));

  // A node with no routes sets the cluster up: a trusted key, and 1.0.0 active.
  nodes.push(await startTestGateway({ store: store() }));
  const first = clients(nodes[0]!.gateway.url).plugins;
  await first.trustKey({ publicKey: publisher.publicKey.raw, comment: "test publisher" });
  await first.publishPlugin({ artifact: v1, activate: true });
  // Two nodes with the plugin route start on the cluster's active version.
  nodes.push(await startTestGateway({ store: store(), routes: [route()] }));
  nodes.push(await startTestGateway({ store: store(), routes: [route()] }));
  assert.deepEqual(serving(), ["1.0.0", "1.0.0"]);

  const second = clients(nodes[1]!.gateway.url).plugins;
  await second.publishPlugin({ artifact: v2 });
  await second.activatePlugin({ name: "test-sms", version: "2.0.0" });
  await poll(
    () => serving().every((v) => v === "2.0.0"),
    () => `not every node serves 2.0.0: ${serving()}`,
    10_000,
  );
  const listed = await clients(nodes[2]!.gateway.url).plugins.listPlugins({ name: "test-sms" });
  assert.deepEqual(
    listed.plugins.map((p) => [p.version, p.active]),
    [
      ["1.0.0", false],
      ["2.0.0", true],
    ],
  );
  // A message through either node now reaches the provider through 2.0.0.
  await clients(nodes[2]!.gateway.url).messages.send({
    message: create(MessageSchema, {
      channel: Channel.SMS,
      to: { kind: { case: "phone", value: "+15551234567" } },
      content: { text: "after-activation" },
    }),
  });
  const request = await poll(
    () => provider.received.find((r) => r.body === "after-activation"),
    () => "the provider never received the message",
    10_000,
  );
  assert.equal(request.headers["x-plugin-version"], "2.0.0");

  const back = await clients(nodes[2]!.gateway.url).plugins.rollbackPlugin({ name: "test-sms" });
  assert.equal(back.plugin?.version, "1.0.0");
  await poll(
    () => serving().every((v) => v === "1.0.0"),
    () => `not every node went back to 1.0.0: ${serving()}`,
    10_000,
  );
});

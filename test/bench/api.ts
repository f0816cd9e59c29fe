// Send through the full gateway (auth, validation, durable SQLite write with
// synchronous=FULL, routing and dispatch to an instant adapter) against a bare
// connect-node handler that answers Send without doing anything, both over
// HTTP/2 on loopback with the same client and load, in one run.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createConnectTransport } from "@connectrpc/connect-node";
import { RouteState, Channel, MessageSchema, MessageService } from "@hermes/runtime/contracts";
import type { ChannelAdapter } from "@hermes/runtime";
import { keys, startTestGateway, transport } from "../support/gateway-harness.js";
import { closedLoop, type LoadResult } from "./_measure.js";

const load = { concurrency: 64, requests: 20_000 };
const message = create(MessageSchema, {
  channel: Channel.WEBHOOK,
  to: { kind: { case: "url", value: "https://example.com/hook" } },
  content: { text: "x".repeat(160) },
  metadata: { campaign: "bench" },
});

/** Delivers at once, so the bench measures the gateway, not an endpoint. */
const instantAdapter = (): ChannelAdapter => ({
  type: "instant",
  start: async () => {},
  demand: () => 256,
  send: async () => ({ kind: "delivered" }),
  health: () => ({ state: RouteState.UP }),
  stop: async () => {},
});

async function measureGateway(): Promise<LoadResult> {
  const gw = await startTestGateway(
    {
      store: { synchronous: "FULL" },
      routes: [{ name: "bench", channel: "webhook", adapter: "instant" }],
    },
    { instant: instantAdapter },
  );
  try {
    const client = createClient(MessageService, transport(gw.gateway.url, "connect-h2", keys.all));
    await closedLoop(() => client.send({ message }), { concurrency: 16, requests: 1000 }); // warm-up
    return await closedLoop(() => client.send({ message }), load);
  } finally {
    await gw.close();
  }
}

async function measureBare(): Promise<LoadResult> {
  const server = http2.createServer(
    connectNodeAdapter({
      routes(router) {
        router.service(MessageService, {
          async send(req) {
            return { message: req.message };
          },
        });
      },
    }),
  );
  // The client keeps its HTTP/2 session open; close() would wait for it forever.
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => sessions.add(session));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createClient(
      MessageService,
      createConnectTransport({ baseUrl, httpVersion: "2" }),
    );
    await closedLoop(() => client.send({ message }), { concurrency: 16, requests: 1000 });
    return await closedLoop(() => client.send({ message }), load);
  } finally {
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

export default async function (): Promise<Record<string, number>> {
  const bare = await measureBare();
  const ours = await measureGateway();
  process.stdout.write(
    `bare connect-node: ${bare.perSecond.toFixed(0)} req/s p50 ${bare.p50Ms.toFixed(2)} ms p99 ${bare.p99Ms.toFixed(2)} ms\n`,
  );
  process.stdout.write(
    `hermes Send:      ${ours.perSecond.toFixed(0)} req/s p50 ${ours.p50Ms.toFixed(2)} ms p99 ${ours.p99Ms.toFixed(2)} ms\n`,
  );
  return {
    send_per_second: ours.perSecond,
    send_p50_ms: ours.p50Ms,
    send_p99_ms: ours.p99Ms,
    bare_per_second: bare.perSecond,
    bare_p50_ms: bare.p50Ms,
    bare_p99_ms: bare.p99Ms,
    send_vs_bare_throughput_ratio: ours.perSecond / bare.perSecond,
    send_vs_bare_p50_latency_ratio: bare.p50Ms / ours.p50Ms,
    send_vs_bare_p99_latency_ratio: bare.p99Ms / ours.p99Ms,
  };
}

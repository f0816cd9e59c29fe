import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { HttpSink } from "../support/http-sink.js";
import {
  clients,
  keys,
  startTestGateway,
  type TestGateway,
  type TransportKind,
} from "../support/gateway-harness.js";
import { RawSocket } from "../support/raw-socket.js";
import {
  clientStart,
  errorCode,
  flag,
  frame,
  frameType,
  goawayCode,
  postHeaders,
  resetCode,
} from "../support/raw-http2.js";
import { poll } from "../support/wait.js";

/**
 * Small timeouts, so each slow client is closed within a few seconds, yet
 * long enough that the well-behaved clients (new connections on a loaded CI
 * machine) are served before the slow ones are closed.
 */
const timeouts = {
  sniffMs: 1500,
  headersMs: 1500,
  requestMs: 4000,
  idleMs: 2000,
  http2PingMs: 60_000,
};
/**
 * How late a close may come: node:http checks for expired requests every headersMs / 2, and CI is
 * slow.
 */
const slack = 1500;

const sendPath = "/hermes.v1.MessageService/Send";
const auth = `Bearer ${keys.all}`;

/**
 * Resolves once `socket` is closed, with the ms since `since`; checks it waited for `timeoutMs`.
 */
async function closedAfter(
  socket: RawSocket,
  timeoutMs: number,
  what: string,
  since = socket.openedAt,
): Promise<void> {
  const elapsed = await socket.closesWithin(timeoutMs + slack, since);
  assert.ok(
    elapsed >= timeoutMs * 0.9,
    `${what}: closed ${Math.round(elapsed)} ms in, before its ${timeoutMs} ms timeout`,
  );
}

describe("the API port times out slow clients", () => {
  const sink = new HttpSink();
  let sinkUrl = "";
  let gw: TestGateway;
  let port = 0;
  const message = (text: string) =>
    create(MessageSchema, {
      channel: Channel.WEBHOOK,
      to: { kind: { case: "url", value: `${sinkUrl}/hook` } },
      content: { text },
    });

  before(async () => {
    sinkUrl = await sink.start();
    gw = await startTestGateway({
      server: { timeouts },
      routes: [{ name: "hooks", channel: "webhook", adapter: "webhook" }],
    });
    port = gw.gateway.port;
  });
  after(async () => {
    await gw.close();
    await sink.close();
  });

  test("stalled and trickling clients are closed at their timeouts while others are served", async () => {
    // Nothing at all, and half an HTTP/2 preface: the protocol sniff gives up.
    const silent = await RawSocket.open(port);
    const halfPreface = await RawSocket.open(port);
    halfPreface.write("PRI * HTTP/2.0\r\n");

    // HTTP/1.1 headers one byte every 100 ms: they never finish within headersMs.
    const trickled = await RawSocket.open(port);
    trickled.trickle(
      `POST ${sendPath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${auth}\r\n\r\n`,
      100,
    );

    // A Content-Length the body never reaches, on an RPC and on a webhook.
    const shortBody = (path: string) =>
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${auth}\r\nContent-Length: 100\r\n\r\n{"message":`;
    const shortRpc = await RawSocket.open(port);
    shortRpc.write(shortBody(sendPath));
    const shortWebhook = await RawSocket.open(port);
    shortWebhook.write(shortBody("/webhooks/hooks"));

    // HTTP/2: a stream whose request never ends, and a HEADERS frame trickled byte by byte.
    const h2Stalled = await RawSocket.open(port);
    h2Stalled.write(
      Buffer.concat([
        clientStart,
        frame(
          frameType.headers,
          flag.endHeaders,
          1,
          postHeaders(sendPath, { "content-type": "application/json", authorization: auth }),
        ),
        frame(frameType.data, 0, 1, Buffer.from('{"message":')),
      ]),
    );
    const h2Trickled = await RawSocket.open(port);
    h2Trickled.write(clientStart);
    h2Trickled.trickle(
      frame(frameType.headers, flag.endHeaders | flag.endStream, 1, postHeaders("/healthz")),
      100,
    );

    // An HTTP/1.1 connection kept alive after its request.
    const keptAlive = await RawSocket.open(port);
    keptAlive.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const answeredAt = await poll(
      () => keptAlive.received.includes("ok\n") && performance.now(),
      () => "GET /healthz got no answer",
    );

    // Meanwhile every protocol is served as usual.
    for (const kind of ["connect-h2", "connect-h1", "grpc", "grpc-web"] satisfies TransportKind[]) {
      const { message: sent } = await clients(gw.gateway.url, keys.all, kind).messages.send({
        message: message(`served over ${kind} while slow clients hang`),
      });
      assert.equal(sent?.status, MessageStatus.ACCEPTED, kind);
    }
    for (const socket of [silent, halfPreface, trickled, shortRpc, shortWebhook, h2Stalled])
      assert.ok(socket.open, "slow clients are still connected while others are served");

    await Promise.all([
      closedAfter(silent, timeouts.sniffMs, "a silent connection"),
      closedAfter(halfPreface, timeouts.sniffMs, "half an HTTP/2 preface"),
      closedAfter(trickled, timeouts.headersMs, "trickled HTTP/1.1 headers"),
      closedAfter(shortRpc, timeouts.requestMs, "an RPC body shorter than its Content-Length"),
      closedAfter(
        shortWebhook,
        timeouts.requestMs,
        "a webhook body shorter than its Content-Length",
      ),
      // The stream is reset at requestMs; the session, then without streams, closes idleMs later.
      closedAfter(h2Stalled, timeouts.requestMs + timeouts.idleMs, "an HTTP/2 request never ended"),
      closedAfter(h2Trickled, timeouts.idleMs, "a trickled HTTP/2 HEADERS frame"),
      closedAfter(keptAlive, timeouts.idleMs, "an idle keep-alive connection", answeredAt),
    ]);

    assert.equal(silent.received.length, 0);
    assert.equal(halfPreface.received.length, 0);
    for (const socket of [trickled, shortRpc, shortWebhook])
      assert.match(socket.received.toString("latin1"), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.equal(resetCode(h2Stalled.received, 1), errorCode.cancel, "the stream is cancelled");
    assert.equal(goawayCode(h2Stalled.received), errorCode.noError, "then the session goes away");
    assert.equal(goawayCode(h2Trickled.received), errorCode.noError);
  });

  test("a large body sent at a normal pace may take longer than headersMs and idleMs", async () => {
    const text = "x".repeat(2 * 1024 * 1024);
    const body = Buffer.from(
      JSON.stringify({
        message: {
          channel: "CHANNEL_WEBHOOK",
          to: { url: `${sinkUrl}/hook` },
          content: { text },
        },
      }),
    );
    // 20 chunks 120 ms apart: about 2.4 s, past headersMs and idleMs, within requestMs.
    const chunks = Array.from({ length: 20 }, (_, i) =>
      body.subarray((i * body.length) / 20, ((i + 1) * body.length) / 20),
    );
    const paced = async (write: (chunk: Buffer) => void) => {
      for (const chunk of chunks) {
        write(chunk);
        await new Promise((resolve) => setTimeout(resolve, 120));
      }
    };
    const headers = { "content-type": "application/json", authorization: auth };

    const overHttp1 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ port, method: "POST", path: sendPath, headers }, (res) => {
        let answer = "";
        res.on("data", (d) => (answer += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: answer }));
      });
      req.on("error", reject);
      paced((chunk) => req.write(chunk)).then(() => req.end(), reject);
    });
    assert.equal(overHttp1.status, 200, overHttp1.body);
    assert.match(overHttp1.body, /MESSAGE_STATUS_ACCEPTED/);

    const session = http2.connect(gw.gateway.url);
    try {
      const overHttp2 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ":method": "POST", ":path": sendPath, ...headers });
        let status = 0;
        let answer = "";
        req.on("response", (h) => (status = Number(h[":status"])));
        req.on("data", (d) => (answer += d));
        req.on("end", () => resolve({ status, body: answer }));
        req.on("error", reject);
        paced((chunk) => req.write(chunk)).then(() => req.end(), reject);
      });
      assert.equal(overHttp2.status, 200, overHttp2.body);
      assert.match(overHttp2.body, /MESSAGE_STATUS_ACCEPTED/);
    } finally {
      session.close();
    }
  });
});

describe("long-lived streams outlast the timeouts", () => {
  const sink = new HttpSink();
  let sinkUrl = "";
  let gw: TestGateway;

  before(async () => {
    sinkUrl = await sink.start();
    // Every timeout small, PINGs every 200 ms: a healthy client answers them.
    gw = await startTestGateway({
      server: { timeouts: { ...timeouts, http2PingMs: 200 } },
      routes: [{ name: "hooks", channel: "webhook", adapter: "webhook" }],
    });
  });
  after(async () => {
    await gw.close();
    await sink.close();
  });

  test("WatchEvents streams idle past every timeout keep delivering", async () => {
    const kinds = ["connect-h2", "connect-h1", "grpc", "grpc-web"] satisfies TransportKind[];
    const abort = new AbortController();
    const seen = new Map<TransportKind, string[]>(kinds.map((k) => [k, []]));
    const watching = kinds.map(async (kind) => {
      const stream = clients(gw.gateway.url, keys.all, kind).messages.watchEvents(
        { channels: [Channel.WEBHOOK] },
        { signal: abort.signal },
      );
      try {
        for await (const { event } of stream) if (event) seen.get(kind)!.push(event.messageId);
      } catch (reason) {
        if (!abort.signal.aborted) throw new Error(`${kind} watcher ended`, { cause: reason });
      }
    });
    try {
      // Quiet for longer than the request and idle timeouts, then one message.
      await new Promise((resolve) => setTimeout(resolve, timeouts.requestMs + timeouts.idleMs));
      const { message: sent } = await clients(gw.gateway.url).messages.send({
        message: create(MessageSchema, {
          channel: Channel.WEBHOOK,
          to: { kind: { case: "url", value: `${sinkUrl}/hook` } },
          content: { text: "after a long quiet" },
        }),
      });
      await poll(
        () => kinds.every((kind) => seen.get(kind)!.includes(sent!.id)),
        () => `not every watcher saw ${sent!.id}: ${JSON.stringify(Object.fromEntries(seen))}`,
      );
    } finally {
      abort.abort();
      await Promise.all(watching);
    }
  });
});

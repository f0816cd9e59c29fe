import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Channel, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { clients, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { RawSocket } from "../support/raw-socket.js";
import {
  clientStart,
  errorCode,
  flag,
  frame,
  frameType,
  goawayCode,
  headerBlock,
  postHeaders,
  readFrames,
  resetCode,
} from "../support/raw-http2.js";
import { poll } from "../support/wait.js";

/** PINGs every 200 ms; idle sessions live a minute, so a close here is the PING's doing. */
const timeouts = {
  sniffMs: 400,
  headersMs: 400,
  requestMs: 1500,
  idleMs: 60_000,
  http2PingMs: 200,
};
/** A connection error closes the session within two PING intervals; CI may be slow. */
const closeWithin = 2 * timeouts.http2PingMs + 1500;

const sendOver = (url: string) =>
  clients(url, undefined, "grpc").messages.send({
    message: create(MessageSchema, {
      channel: Channel.WEBHOOK,
      to: { kind: { case: "url", value: "http://127.0.0.1:9/unreachable" } },
      content: { text: "served beside a broken client" },
    }),
  });

describe("protocol errors close the connection", () => {
  let gw: TestGateway;
  let port = 0;

  before(async () => {
    gw = await startTestGateway({
      server: { timeouts },
      routes: [{ name: "hooks", channel: "webhook", adapter: "webhook" }],
    });
    port = gw.gateway.port;
  });
  after(() => gw.close());

  const malformed: Array<[string, Buffer, number]> = [
    [
      "a SETTINGS frame of length 5",
      frame(frameType.settings, 0, 0, Buffer.alloc(5)),
      errorCode.frameSizeError,
    ],
    [
      "a HEADERS frame that is not HPACK",
      frame(
        frameType.headers,
        flag.endHeaders | flag.endStream,
        1,
        Buffer.from([0xff, 0xff, 0xff, 0xff]),
      ),
      errorCode.compressionError,
    ],
    [
      "DATA on an idle stream",
      frame(frameType.data, 0, 3, Buffer.from("x")),
      errorCode.protocolError,
    ],
    [
      "a frame longer than the 16 KiB maximum frame size",
      frame(frameType.data, 0, 1, Buffer.alloc(16), 1 << 20),
      errorCode.frameSizeError,
    ],
  ];
  for (const [what, bytes, code] of malformed) {
    test(`HTTP/2: ${what} gets GOAWAY, then the connection is closed`, async () => {
      const broken = await RawSocket.open(port);
      broken.write(Buffer.concat([clientStart, bytes]));
      const sent = performance.now();
      // The gateway keeps serving everyone else meanwhile.
      const { message } = await sendOver(gw.gateway.url);
      assert.equal(message?.status, MessageStatus.ACCEPTED);
      await broken.closesWithin(closeWithin, sent);
      assert.equal(goawayCode(broken.received), code, "GOAWAY carries the error's code");
    });
  }

  test("HTTP/2: streams with invalid headers are reset; the twelfth closes the connection", async () => {
    const client = await RawSocket.open(port);
    client.write(clientStart);
    // Upper-case header names are malformed in HTTP/2 (RFC 9113 §8.2.1).
    const invalid = postHeaders("/healthz", { "X-Upper": "1" });
    for (let stream = 1; stream <= 21; stream += 2) {
      client.write(frame(frameType.headers, flag.endHeaders | flag.endStream, stream, invalid));
      const code = await poll(
        () => resetCode(client.received, stream),
        () => `stream ${stream} was not reset`,
      );
      assert.equal(code, errorCode.protocolError, `stream ${stream}`);
    }
    assert.ok(
      client.open,
      "eleven invalid frames are tolerated (maxSessionInvalidFrames 10, plus one)",
    );
    client.write(frame(frameType.headers, flag.endHeaders | flag.endStream, 23, invalid));
    await client.closesWithin(closeWithin, performance.now());
    assert.notEqual(goawayCode(client.received), undefined, "the twelfth closes the connection");
  });

  test("HTTP/2: a header list over 16 KiB is refused", async () => {
    const client = await RawSocket.open(port);
    client.write(clientStart);
    // The limit is a SETTING: it applies once the client acknowledges the server's SETTINGS.
    await poll(
      () => readFrames(client.received).some((f) => f.type === frameType.settings),
      () => "the server sent no SETTINGS",
    );
    const big = headerBlock({
      ":method": "GET",
      ":scheme": "http",
      ":path": "/healthz",
      ":authority": "localhost",
      "x-big": "a".repeat(16 * 1024),
    });
    // The block exceeds one frame: HEADERS, then CONTINUATION with END_HEADERS.
    client.write(
      Buffer.concat([
        frame(frameType.settings, flag.ack, 0),
        frame(frameType.headers, flag.endStream, 1, big.subarray(0, 16_000)),
        frame(frameType.continuation, flag.endHeaders, 1, big.subarray(16_000)),
      ]),
    );
    await poll(
      () => readFrames(client.received).some((f) => f.streamId === 1),
      () => "no answer to an oversized header list",
    );
    assert.equal(resetCode(client.received, 1), errorCode.enhanceYourCalm);
    assert.ok(
      !readFrames(client.received).some((f) => f.type === frameType.headers),
      "the request was not served",
    );
    client.close();
  });

  test("HTTP/1.1: a malformed request gets 400 and the connection is closed", async () => {
    const client = await RawSocket.open(port);
    client.write("GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.closesWithin(1000);
    assert.match(client.received.toString("latin1"), /^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  test("HTTP/1.1: headers over 16 KiB get 431 and the connection is closed", async () => {
    const client = await RawSocket.open(port);
    client.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(16 * 1024)}\r\n\r\n`);
    await client.closesWithin(1000);
    assert.match(
      client.received.toString("latin1"),
      /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/,
    );
  });
});

describe("connections per client address are capped", () => {
  let gw: TestGateway;
  let port = 0;

  before(async () => {
    gw = await startTestGateway({ server: { maxConnectionsPerAddress: 3 } });
    port = gw.gateway.port;
  });
  after(() => gw.close());

  const healthz = async (localAddress: string) => {
    const client = await RawSocket.open(port, { localAddress });
    client.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await client.closesWithin(2000);
    return client.received.toString("latin1");
  };

  test("the connection beyond the cap is reset; closing one makes room again", async () => {
    const held = await Promise.all([1, 2, 3].map(() => RawSocket.open(port)));
    // The reset may come before or after the client sees its connect complete.
    const extra = await RawSocket.open(port).catch((error: NodeJS.ErrnoException) => error);
    if (extra instanceof RawSocket) {
      await extra.closesWithin(1000);
      assert.equal(extra.received.length, 0, "the extra connection got nothing");
    } else {
      assert.equal(extra.code, "ECONNRESET");
    }
    assert.ok(
      held.every((c) => c.open),
      "the three within the cap stay open",
    );
    // Another address is counted on its own.
    assert.match(await healthz("127.0.0.2"), /^HTTP\/1\.1 200 OK/);

    held[0].close();
    await poll(
      async () => (await healthz("127.0.0.1").catch(() => "")).startsWith("HTTP/1.1 200"),
      () => "no connection was admitted after one of the three closed",
    );
    for (const c of held) c.close();
  });
});

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport } from "@connectrpc/connect-node";
import {
  Channel,
  MessageSchema,
  MessageService,
  MessageStatus,
  SendRequestSchema,
} from "@hermes/runtime/contracts";
import { HttpSink } from "../support/http-sink.js";
import { keys, startTestGateway, type TestGateway } from "../support/gateway-harness.js";

const sendPath = "/hermes.v1.MessageService/Send";
const watchPath = "/hermes.v1.MessageService/WatchEvents";
const auth = `Bearer ${keys.all}`;

interface Answer {
  readonly status: number;
  readonly trailers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One request over HTTP/1.1 (node:http), the body as given. */
function overHttp1(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          trailers: res.trailers,
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** One request over HTTP/2 cleartext (node:http2), the body as given. */
function overHttp2(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<Answer> {
  const session = http2.connect(url);
  return new Promise<Answer>((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": path, ...headers });
    const chunks: Buffer[] = [];
    let status = 0;
    let trailers: Answer["trailers"] = {};
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("trailers", (t) => (trailers = t));
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => resolve({ status, trailers, body: Buffer.concat(chunks) }));
    req.on("error", reject);
    req.end(body);
  }).finally(() => session.close());
}

/** A gRPC / gRPC-Web / Connect streaming envelope: flags, 4-byte length, data. */
function envelope(data: Uint8Array, flags = 0): Buffer {
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(data.length, 1);
  return Buffer.concat([header, data]);
}

/**
 * Bytes no protobuf parser accepts: field 1 as a length-delimited value 127 bytes long, then 2
 * bytes.
 */
const notProtobuf = Uint8Array.of(0x0a, 0x7f, 0x01, 0x02);

describe("input the API refuses", () => {
  const sink = new HttpSink();
  let sinkUrl = "";
  let gw: TestGateway;
  let url = "";

  before(async () => {
    sinkUrl = await sink.start();
    gw = await startTestGateway({
      routes: [{ name: "hooks", channel: "webhook", adapter: "webhook" }],
    });
    url = gw.gateway.url;
  });
  after(async () => {
    await gw.close();
    await sink.close();
  });

  const sendJson = (message: Record<string, unknown>) =>
    JSON.stringify({
      message: {
        channel: "CHANNEL_WEBHOOK",
        to: { url: `${sinkUrl}/hook` },
        content: { text: "hello" },
        ...message,
      },
    });
  const jsonHeaders = { "content-type": "application/json", authorization: auth };

  /** Sends `body` over both protocols; each must be refused as InvalidArgument with `message`. */
  async function refusedAsJson(body: Uint8Array, message: RegExp): Promise<void> {
    for (const [protocol, call] of [
      ["HTTP/1.1", overHttp1],
      ["HTTP/2", overHttp2],
    ] as const) {
      const answer = await call(url, sendPath, jsonHeaders, body);
      assert.equal(answer.status, 400, `${protocol}: ${answer.body}`);
      const error = JSON.parse(answer.body.toString()) as { code: string; message: string };
      assert.equal(error.code, "invalid_argument", protocol);
      assert.match(error.message, message, protocol);
    }
  }

  test("JSON with bytes that are not UTF-8 is refused, like a lone surrogate escape", async () => {
    const before = sink.received.length;
    const json = sendJson({ content: { text: "café" } });
    // Latin-1 "é" is the one byte 0xE9, not UTF-8: it used to arrive as "caf\uFFFD".
    await refusedAsJson(Buffer.from(json, "latin1"), /^the JSON request body is not valid UTF-8$/);
    await refusedAsJson(
      // The escape itself, not a string JSON.stringify would escape again.
      Buffer.from(sendJson({ content: { text: "X" } }).replace('"X"', '"\\ud800"')),
      /hermes\.v1\.Content\.text .*invalid UTF8/,
    );
    // Valid UTF-8 goes through unchanged.
    const ok = await overHttp1(url, sendPath, jsonHeaders, Buffer.from(json));
    assert.equal(ok.status, 200, ok.body.toString());
    assert.match(ok.body.toString(), /"text":"café"/);
    assert.equal(sink.received.length, before, "nothing refused was sent");
  });

  test("unknown JSON fields are refused, naming the field", async () => {
    await refusedAsJson(
      Buffer.from(sendJson({ idempotencyKy: "order-7" })),
      /hermes\.v1\.Message from JSON: key "idempotencyKy" is unknown/,
    );
    await refusedAsJson(
      Buffer.from(JSON.stringify({ mesage: {} })),
      /hermes\.v1\.SendRequest from JSON: key "mesage" is unknown/,
    );
    // An enum name the contract does not have is unknown as well.
    await refusedAsJson(
      Buffer.from(sendJson({ channel: "CHANNEL_FAX" })),
      /cannot decode enum hermes\.v1\.Channel from JSON: "CHANNEL_FAX"/,
    );
  });

  test("JSON that does not parse is refused", async () => {
    await refusedAsJson(
      Buffer.from('{"message":'),
      /hermes\.v1\.SendRequest from JSON: Unexpected end of JSON input/,
    );
  });

  test("bytes that are not protobuf get InvalidArgument over gRPC, gRPC-Web and Connect", async () => {
    const refusal = /^the request is not a valid hermes\.v1\.SendRequest message: /;
    const grpcHeaders = { "content-type": "application/grpc", te: "trailers", authorization: auth };

    const grpc = await overHttp2(url, sendPath, grpcHeaders, envelope(notProtobuf));
    assert.equal(grpc.status, 200);
    assert.equal(grpc.trailers["grpc-status"], String(Code.InvalidArgument));
    assert.match(decodeURIComponent(String(grpc.trailers["grpc-message"])), refusal);

    const gzipped = await overHttp2(
      url,
      sendPath,
      { ...grpcHeaders, "grpc-encoding": "gzip" },
      envelope(gzipSync(notProtobuf), 0x01),
    );
    assert.equal(gzipped.trailers["grpc-status"], String(Code.InvalidArgument), "compressed too");

    const grpcWeb = await overHttp1(
      url,
      sendPath,
      { "content-type": "application/grpc-web+proto", authorization: auth },
      envelope(notProtobuf),
    );
    assert.equal(grpcWeb.status, 200);
    // gRPC-Web sends its trailers as a last frame (flag 0x80) of the body.
    const trailer = grpcWeb.body.subarray(5).toString();
    assert.equal(grpcWeb.body[0], 0x80, trailer);
    assert.match(trailer, new RegExp(`grpc-status: ?${Code.InvalidArgument}\\r\\n`));

    const connectUnary = await overHttp1(
      url,
      sendPath,
      { "content-type": "application/proto", authorization: auth },
      notProtobuf,
    );
    assert.equal(connectUnary.status, 400);
    const unaryError = JSON.parse(connectUnary.body.toString()) as {
      code: string;
      message: string;
    };
    assert.equal(unaryError.code, "invalid_argument");
    assert.match(unaryError.message, refusal);

    const connectStream = await overHttp2(
      url,
      watchPath,
      { "content-type": "application/connect+proto", authorization: auth },
      envelope(notProtobuf),
    );
    // A Connect stream ends with an end-stream frame (flag 0x02) holding the error as JSON.
    assert.equal(connectStream.body[0], 0x02);
    const end = JSON.parse(connectStream.body.subarray(5).toString()) as {
      error: { code: string; message: string };
    };
    assert.equal(end.error.code, "invalid_argument");
    assert.match(end.error.message, /not a valid hermes\.v1\.WatchEventsRequest message/);
  });

  test("a protobuf string that is not UTF-8 is refused as malformed", async () => {
    const request = create(SendRequestSchema, {
      message: create(MessageSchema, {
        channel: Channel.WEBHOOK,
        to: { kind: { case: "url", value: `${sinkUrl}/hook` } },
        content: { text: "@@" },
      }),
    });
    const bytes = Buffer.from(toBinary(SendRequestSchema, request));
    const at = bytes.indexOf("@@");
    bytes[at] = 0xff;
    bytes[at + 1] = 0xfe;
    const answer = await overHttp2(
      url,
      sendPath,
      { "content-type": "application/grpc", te: "trailers", authorization: auth },
      envelope(bytes),
    );
    assert.equal(answer.trailers["grpc-status"], String(Code.InvalidArgument));
    assert.match(decodeURIComponent(String(answer.trailers["grpc-message"])), /UTF-8|utf-8/);
  });

  test("valid binary requests still pass, compressed or not", async () => {
    const transport = createGrpcTransport({
      baseUrl: url,
      sendCompression: compressionGzip,
      // Compress even this small request, so the check has to decompress it.
      compressMinBytes: 0,
      interceptors: [
        (next) => (req) => {
          req.header.set("authorization", auth);
          return next(req);
        },
      ],
    });
    const { message } = await createClient(MessageService, transport).send({
      message: create(MessageSchema, {
        channel: Channel.WEBHOOK,
        to: { kind: { case: "url", value: `${sinkUrl}/hook` } },
        content: { text: "compressed" },
      }),
    });
    assert.equal(message?.status, MessageStatus.ACCEPTED);
  });
});

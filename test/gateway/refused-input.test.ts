import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { HttpSink } from "../support/http-sink.js";
import { keys, startTestGateway, type TestGateway } from "../support/gateway-harness.js";

const sendPath = "/hermes.v1.MessageService/Send";
const auth = `Bearer ${keys.all}`;

interface Answer {
  readonly status: number;
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
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => resolve({ status, body: Buffer.concat(chunks) }));
    req.on("error", reject);
    req.end(body);
  }).finally(() => session.close());
}

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
});

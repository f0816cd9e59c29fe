// A local stand-in for a generic JSON SMS API, as the rest-generic template
// is configured for it in the tests: POST /v1/messages {to, text, reference}
// with a Bearer key → {"id": "..."}; delivery reports are signed JSON posts
// (hex HMAC-SHA256 of the body in X-Signature).
import { createHmac } from "node:crypto";
import { HttpSink } from "../support/http-sink.js";

export class GenericMock {
  /** A number the mock refuses, as a provider refuses one it cannot reach. */
  static readonly unreachable = "+15550000000";
  readonly sink = new HttpSink();
  #ids = 0;

  constructor(
    readonly apiKey: string,
    readonly webhookSecret: string,
  ) {
    this.sink.answer = (request) => {
      if (request.method !== "POST" || request.url !== "/v1/messages")
        return { status: 404, body: JSON.stringify({ error: "no such endpoint" }) };
      if (request.headers.authorization !== `Bearer ${this.apiKey}`)
        return { status: 401, body: JSON.stringify({ error: "invalid api key" }) };
      const body = JSON.parse(request.body) as { to?: string };
      if (body.to === GenericMock.unreachable)
        return { status: 400, body: JSON.stringify({ error: `invalid destination ${body.to}` }) };
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: `gen-${++this.#ids}`, status: "queued" }),
      };
    };
  }

  start(): Promise<string> {
    return this.sink.start();
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  /** Posts a signed delivery report for `id` to the gateway's webhook URL. */
  report(webhookUrl: string, id: string, status: string): Promise<Response> {
    const body = JSON.stringify({ id, status });
    const signature = createHmac("sha256", this.webhookSecret).update(body).digest("hex");
    return fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-signature": signature },
      body,
    });
  }
}

// A local stand-in for Messente's Omnimessage API: POST /v1/omnimessage with
// HTTP Basic auth → 201 {messages:[{channel, message_id, sender}], to,
// omnimessage_id}, errors as {"errors":[{title, detail, code, source}]};
// delivery reports are JSON posts to each message's dlr_url.
import { randomUUID } from "node:crypto";
import { HttpSink } from "../support/http-sink.js";

export class MessenteMock {
  readonly sink = new HttpSink();
  /** dlr_url and recipient of each message id. */
  readonly sent = new Map<string, { dlrUrl: string; to: string }>();

  constructor(
    readonly username: string,
    readonly password: string,
  ) {
    this.sink.answer = (request) => {
      if (request.method !== "POST" || request.url !== "/v1/omnimessage")
        return { status: 404, body: errors("Not found", "Not found", "101") };
      if (
        request.headers.authorization !==
        `Basic ${Buffer.from(`${this.username}:${this.password}`).toString("base64")}`
      )
        return { status: 401, body: errors("Unauthorized", "Invalid credentials", "103") };
      const body = JSON.parse(request.body) as {
        to?: string;
        messages?: Array<{ channel?: string; sender?: string; text?: string }>;
        dlr_url?: string;
      };
      const sms = body.messages?.find((m) => m.channel === "sms");
      if (!body.to || !sms?.text)
        return {
          status: 400,
          body: errors(
            "Missing data",
            '"to" and an sms message with text are required',
            "106",
            "payload",
          ),
        };
      const messageId = randomUUID();
      this.sent.set(messageId, { dlrUrl: body.dlr_url ?? "", to: body.to });
      return {
        status: 201,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          messages: [{ channel: "sms", message_id: messageId, sender: sms.sender }],
          to: body.to,
          omnimessage_id: randomUUID(),
        }),
      };
    };
  }

  start(): Promise<string> {
    return this.sink.start();
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  /** Posts a delivery report to the gateway at the path and query of the message's dlr_url. */
  report(
    gatewayUrl: string,
    messageId: string,
    status: string,
    err = 0,
    error: string | null = null,
  ): Promise<Response> {
    const sent = this.sent.get(messageId);
    if (!sent) throw new Error(`no message ${messageId}`);
    const dlr = new URL(sent.dlrUrl);
    const body = JSON.stringify({
      status,
      sender: "Hermes",
      err,
      message_id: messageId,
      to: sent.to,
      channel: "sms",
      error,
      omnimessage_id: randomUUID(),
      timestamp: new Date().toISOString(),
    });
    return fetch(`${gatewayUrl}${dlr.pathname}${dlr.search}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
  }
}

function errors(title: string, detail: string, code: string, source: string | null = null): string {
  return JSON.stringify({ errors: [{ title, detail, code, source }] });
}

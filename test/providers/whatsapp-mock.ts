// A local stand-in for Meta's WhatsApp Cloud API: POST
// /{version}/{phone-number-id}/messages with a Bearer token → the documented
// {messaging_product, contacts, messages:[{id}]} answer or a Graph error;
// status notifications are posted signed with X-Hub-Signature-256
// (HMAC-SHA256 of the raw body, keyed by the app secret).
import { createHmac } from "node:crypto";
import { HttpSink } from "../support/http-sink.js";

export class WhatsAppMock {
  /** A number Meta refuses: not in the test number's allowed list (131030). */
  static readonly notAllowed = "15550009999";
  readonly sink = new HttpSink();
  #count = 0;

  constructor(
    readonly phoneNumberId: string,
    readonly accessToken: string,
    readonly appSecret: string,
  ) {
    this.sink.answer = (request) => {
      if (
        request.method !== "POST" ||
        !new RegExp(`^/v\\d+\\.\\d+/${this.phoneNumberId}/messages$`).test(request.url)
      ) {
        return { status: 400, body: graphError(100, "Unsupported post request.") };
      }
      if (request.headers.authorization !== `Bearer ${this.accessToken}`)
        return {
          status: 401,
          body: graphError(190, "Invalid OAuth access token - Cannot parse access token"),
        };
      const body = JSON.parse(request.body) as {
        messaging_product?: string;
        to?: string;
        type?: string;
      };
      if (body.messaging_product !== "whatsapp" || !body.to || !body.type)
        return { status: 400, body: graphError(100, "(#100) Invalid parameter") };
      if (body.to === WhatsAppMock.notAllowed)
        return {
          status: 400,
          body: graphError(
            131030,
            "(#131030) Recipient phone number not in allowed list",
            "Recipient phone number not in allowed list",
          ),
        };
      const id = `wamid.HBgL${String(++this.#count).padStart(24, "0")}`;
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          messaging_product: "whatsapp",
          contacts: [{ input: body.to, wa_id: body.to }],
          messages: [{ id, message_status: "accepted" }],
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

  /** Posts a signed status notification for `wamid` to the gateway. */
  status(
    webhookUrl: string,
    wamid: string,
    status: string,
    secret = this.appSecret,
  ): Promise<Response> {
    const entry = {
      id: wamid,
      status,
      timestamp: String(Math.floor(Date.now() / 1000)),
      recipient_id: "15551230001",
    };
    const failed =
      status === "failed"
        ? {
            errors: [
              {
                code: 131026,
                title: "Message undeliverable",
                message: "Message undeliverable",
                error_data: { details: "Message Undeliverable." },
              },
            ],
          }
        : {};
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: {
                  display_phone_number: "15550783881",
                  phone_number_id: this.phoneNumberId,
                },
                statuses: [{ ...entry, ...failed }],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    return fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      body,
    });
  }
}

function graphError(code: number, message: string, details?: string): string {
  return JSON.stringify({
    error: {
      message,
      type: "OAuthException",
      code,
      ...(details ? { error_data: { messaging_product: "whatsapp", details } } : {}),
      fbtrace_id: "A1b2C3d4",
    },
  });
}

// A local stand-in for SendGrid's v3 Mail Send API and Event Webhook: POST
// /v3/mail/send with a Bearer key → 202 with X-Message-Id, or SendGrid's
// {"errors":[…]}; events are posted as a JSON array signed with ECDSA P-256
// (X-Twilio-Email-Event-Webhook-Signature over timestamp + body), with the
// mock's own key pair whose public half the route is configured with.
// Tests post the events; `hermes dev --providers` lets the mock post them
// itself (autoDeliver), as SendGrid would.
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { ProviderMock } from "./provider-mock.js";

export class SendGridMock extends ProviderMock {
  /** An address SendGrid refuses as invalid. */
  static readonly invalidAddress = "nobody@invalid.example";
  readonly #privateKey: KeyObject;
  /** The verification key as SendGrid's settings page shows it (base64 DER SPKI). */
  readonly verificationKey: string;

  constructor(readonly apiKey: string) {
    super();
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    this.#privateKey = privateKey;
    this.verificationKey = publicKey.export({ type: "spki", format: "der" }).toString("base64");
    this.sink.answer = (request) => {
      if (request.method !== "POST" || request.url !== "/v3/mail/send")
        return { status: 404, body: errors("not found") };
      if (request.headers.authorization !== `Bearer ${this.apiKey}`)
        return {
          status: 401,
          body: errors("The provided authorization grant is invalid, expired, or revoked"),
        };
      const mail = JSON.parse(request.body) as {
        personalizations?: Array<{ to?: Array<{ email: string }> }>;
        from?: { email?: string };
      };
      const to = mail.personalizations?.[0]?.to?.[0]?.email;
      if (!to || to === SendGridMock.invalidAddress)
        return {
          status: 400,
          body: errors("Does not contain a valid address.", "personalizations.0.to.0.email"),
        };
      if (!mail.from?.email)
        return {
          status: 400,
          body: errors("The from object must be provided for every email send.", "from"),
        };
      const messageId = randomBytes(16).toString("base64url").slice(0, 22);
      this.deliverLater(messageId);
      return { status: 202, headers: { "x-message-id": messageId }, body: "" };
    };
  }

  /** The "processed" and "delivered" events, as SendGrid posts them. */
  protected override reportDelivered(webhookUrl: string, messageId: string): Promise<Response> {
    return this.events(webhookUrl, messageId, ["processed", "delivered"]);
  }

  /** Posts signed events (one per name) for the message SendGrid knows as `messageId`. */
  events(
    webhookUrl: string,
    messageId: string,
    names: string[],
    key: KeyObject = this.#privateKey,
  ): Promise<Response> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body = JSON.stringify(
      names.map((event) => ({
        email: "ann@example.com",
        timestamp: Number(timestamp),
        event,
        sg_event_id: randomBytes(8).toString("hex"),
        sg_message_id: `${messageId}.filterdrecv-5645d9c87f-2nlqr-1-60DA1EE3-1B.0`,
        ...(event === "bounce"
          ? {
              reason: "550 5.1.1 user unknown",
              status: "5.1.1",
              type: "bounce",
              bounce_classification: "Invalid Address",
            }
          : {}),
        ...(event === "delivered" ? { response: "250 OK" } : {}),
      })),
    );
    const signature = sign("sha256", Buffer.from(timestamp + body), key).toString("base64");
    return fetch(webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-twilio-email-event-webhook-signature": signature,
        "x-twilio-email-event-webhook-timestamp": timestamp,
      },
      body,
    });
  }
}

function errors(message: string, field: string | null = null): string {
  return JSON.stringify({ errors: [{ message, field, help: null }] });
}

// A local stand-in for Twilio's Messaging API, speaking its documented
// shapes: POST /2010-04-01/Accounts/{AccountSid}/Messages.json (form body,
// HTTP Basic auth) → 201 with the message resource, or Twilio's error JSON;
// status callbacks are form posts to the StatusCallback URL, signed with
// X-Twilio-Signature (HMAC-SHA1 over the URL and the sorted parameters).
// Tests drive the callbacks; `hermes dev --providers` lets the mock send
// them itself (autoDeliver), as Twilio would.
import { createHmac } from "node:crypto";
import { ProviderMock } from "./provider-mock.js";

export class TwilioMock extends ProviderMock {
  /** A number Twilio refuses with 21211. */
  static readonly invalidNumber = "+15005550001";
  /** StatusCallback of each message sid, as the send asked. */
  readonly callbacks = new Map<string, string>();
  #count = 0;

  constructor(
    readonly accountSid: string,
    readonly authToken: string,
  ) {
    super();
    this.sink.answer = (request) => {
      const path = `/2010-04-01/Accounts/${this.accountSid}/Messages.json`;
      if (request.method !== "POST" || request.url !== path)
        return { status: 404, body: error(20404, "The requested resource was not found", 404) };
      const basic = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString("base64")}`;
      if (request.headers.authorization !== basic)
        return { status: 401, body: error(20003, "Authenticate", 401) };
      const form = new URLSearchParams(request.body);
      const to = form.get("To") ?? "";
      if (to === TwilioMock.invalidNumber)
        return { status: 400, body: error(21211, `Invalid 'To' Phone Number: ${to}`, 400) };
      const sid = `SM${String(++this.#count).padStart(32, "0")}`;
      const callback = form.get("StatusCallback");
      if (callback) this.callbacks.set(sid, callback);
      if (callback) this.deliverLater(sid);
      return {
        status: 201,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          sid,
          account_sid: this.accountSid,
          to,
          from: form.get("From"),
          body: form.get("Body"),
          status: "queued",
          direction: "outbound-api",
          api_version: "2010-04-01",
        }),
      };
    };
  }

  /** The "sent" then "delivered" callbacks, as Twilio posts them. */
  protected override async reportDelivered(deliverTo: string, sid: string): Promise<void> {
    for (const status of ["sent", "delivered"]) await this.statusCallback(deliverTo, sid, status);
  }

  /**
   * Posts a status callback for `sid`, signed for the StatusCallback URL the
   * send gave, to `deliverTo` (the gateway on loopback behind that URL).
   */
  statusCallback(
    deliverTo: string,
    sid: string,
    status: string,
    errorCode?: string,
  ): Promise<Response> {
    const url = this.callbacks.get(sid);
    if (!url) throw new Error(`no StatusCallback recorded for ${sid}`);
    const form = new URLSearchParams({
      SmsSid: sid,
      SmsStatus: status,
      MessageStatus: status,
      MessageSid: sid,
      AccountSid: this.accountSid,
      ApiVersion: "2010-04-01",
    });
    if (errorCode) form.set("ErrorCode", errorCode);
    const signed =
      url +
      [...form]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => k + v)
        .join("");
    const signature = createHmac("sha1", this.authToken).update(signed).digest("base64");
    return fetch(deliverTo, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": signature,
      },
      body: form.toString(),
    });
  }
}

function error(code: number, message: string, status: number): string {
  return JSON.stringify({
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  });
}

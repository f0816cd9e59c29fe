// A local stand-in for Infobip's SMS API: POST /sms/2/text/advanced with
// "Authorization: App <key>" → {bulkId, messages:[{messageId, status}]}
// (PENDING_ACCEPTED, or REJECTED_DESTINATION for a bad number), errors as
// {"requestError":{"serviceException":…}}; delivery reports are JSON posts
// of {"results":[…]} to each message's notifyUrl.
import { randomUUID } from "node:crypto";
import { HttpSink } from "../support/http-sink.js";

interface Sent {
  readonly notifyUrl: string;
  readonly to: string;
  readonly callbackData: string;
}

export class InfobipMock {
  /** A destination Infobip rejects in its 200 answer. */
  static readonly badDestination = "+41000000000";
  readonly sink = new HttpSink();
  readonly sent = new Map<string, Sent>();

  constructor(readonly apiKey: string) {
    this.sink.answer = (request) => {
      if (request.method !== "POST" || request.url !== "/sms/2/text/advanced")
        return { status: 404, body: exception("NOT_FOUND", "Not found") };
      if (request.headers.authorization !== `App ${this.apiKey}`)
        return { status: 401, body: exception("UNAUTHORIZED", "Invalid login details") };
      const { messages } = JSON.parse(request.body) as {
        messages?: Array<{
          destinations?: Array<{ to: string }>;
          text?: string;
          notifyUrl?: string;
          callbackData?: string;
        }>;
      };
      const message = messages?.[0];
      const to = message?.destinations?.[0]?.to;
      if (!message || !to || !message.text)
        return { status: 400, body: exception("BAD_REQUEST", "Bad request") };
      const messageId = randomUUID();
      const bulkId = randomUUID();
      if (`+${to}` === InfobipMock.badDestination) {
        return {
          status: 200,
          body: JSON.stringify({
            bulkId,
            messages: [
              {
                messageId,
                to,
                status: {
                  groupId: 5,
                  groupName: "REJECTED",
                  id: 51,
                  name: "REJECTED_DESTINATION",
                  description: "Invalid destination address",
                },
              },
            ],
          }),
        };
      }
      this.sent.set(messageId, {
        notifyUrl: message.notifyUrl ?? "",
        to,
        callbackData: message.callbackData ?? "",
      });
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          bulkId,
          messages: [
            {
              messageId,
              to,
              status: {
                groupId: 1,
                groupName: "PENDING",
                id: 26,
                name: "PENDING_ACCEPTED",
                description: "Message sent to next instance",
              },
            },
          ],
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

  /**
   * Posts a delivery report to the gateway (`gatewayUrl`) at the path and query of the message's
   * notifyUrl.
   */
  report(gatewayUrl: string, messageId: string, delivered: boolean): Promise<Response> {
    const sent = this.sent.get(messageId);
    if (!sent) throw new Error(`no message ${messageId}`);
    const notify = new URL(sent.notifyUrl);
    const status = delivered
      ? {
          groupId: 3,
          groupName: "DELIVERED",
          id: 5,
          name: "DELIVERED_TO_HANDSET",
          description: "Message delivered to handset",
        }
      : {
          groupId: 2,
          groupName: "UNDELIVERABLE",
          id: 9,
          name: "UNDELIVERABLE_NOT_DELIVERED",
          description: "Message sent not delivered",
        };
    const error = delivered
      ? {
          groupId: 0,
          groupName: "OK",
          id: 0,
          name: "NO_ERROR",
          description: "No Error",
          permanent: false,
        }
      : {
          groupId: 1,
          groupName: "HANDSET_ERRORS",
          id: 27,
          name: "EC_ABSENT_SUBSCRIBER",
          description: "Absent Subscriber",
          permanent: false,
        };
    const body = JSON.stringify({
      results: [
        {
          bulkId: "b",
          messageId,
          to: sent.to,
          sentAt: new Date().toISOString(),
          doneAt: new Date().toISOString(),
          smsCount: 1,
          status,
          error,
          callbackData: sent.callbackData,
        },
      ],
    });
    return fetch(`${gatewayUrl}${notify.pathname}${notify.search}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
  }
}

function exception(messageId: string, text: string): string {
  return JSON.stringify({ requestError: { serviceException: { messageId, text } } });
}

// sendgrid-email: email through SendGrid's v3 Mail Send API (POST
// /v3/mail/send, Bearer API key; 202 with the message id in X-Message-Id),
// and SendGrid's Event Webhook, verified with its ECDSA P-256 signature
// (X-Twilio-Email-Event-Webhook-Signature over timestamp + raw body) by the
// host's hermes_crypto_verify.
import {
  AbiVersion,
  Address,
  Address_KindCase,
  Capability,
  Channel,
  ConfigureRequest,
  ConfigureResponse,
  DeliveryEvent,
  DeliveryEventKind,
  ErrorCode,
  HandleResponseRequest,
  HandleResponseResponse,
  HealthRequest,
  HealthResponse,
  JsonKind,
  JsonValue,
  JsonWriter,
  Manifest,
  MessageStatus,
  ParseWebhookRequest,
  ParseWebhookResponse,
  Plugin,
  PrepareSendRequest,
  PrepareSendResponse,
  SendResult,
  SignatureAlgorithm,
  acceptWebhook,
  addressOf,
  base64,
  configField,
  configProblem,
  crypto,
  failed,
  failedEvent,
  failedFromHttp,
  fromBase64,
  fromUtf8,
  header,
  isSuccess,
  noticeEvent,
  parseJson,
  refuseWebhook,
  register,
  request,
  requireConfig,
  requireHealth,
  setting,
  statusEvent,
  submitted,
  utf8,
  withBody,
  withHeader,
} from "@hermes/sdk";
export * from "@hermes/sdk/exports";

const DEFAULT_BASE_URL = "https://api.sendgrid.com";
const SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature";
const TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp";

/** Writes {"email": …, "name": …} for "Ann <ann@example.com>" or a bare address. */
function writeMailbox(w: JsonWriter, mailbox: string, fallbackName: string = ""): void {
  const open = mailbox.lastIndexOf("<");
  const close = mailbox.lastIndexOf(">");
  let email = mailbox.trim();
  let name = fallbackName;
  if (open >= 0 && close > open) {
    email = mailbox.substring(open + 1, close).trim();
    name = mailbox.substring(0, open).trim();
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2)
      name = name.substring(1, name.length - 1);
  }
  w.beginObject().key("email").string(email);
  if (name.length > 0) w.key("name").string(name);
  w.endObject();
}

/** SendGrid's errors: {"errors":[{"message": …, "field": …}]} joined into one reason. */
function sendgridReason(json: JsonValue | null): string {
  const errors = json !== null ? json.get("errors") : null;
  if (errors === null) return "";
  const parts = new Array<string>();
  for (let i = 0; i < errors.length; i++) {
    const e = errors.at(i)!;
    const message = e.getString("message");
    const field = e.getString("field");
    if (message === null) continue;
    parts.push(field !== null && field!.length > 0 ? field! + ": " + message! : message!);
  }
  return parts.join("; ");
}

class SendGridEmail extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "sendgrid-email";
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    m.description = "Email through SendGrid v3 Mail Send, with the signed Event Webhook";
    m.publisher = "hermes";
    m.channels = [Channel.EMAIL];
    m.capabilities = [Capability.HTTP, Capability.CRYPTO, Capability.WEBHOOK];
    m.allowedHosts = ["api.sendgrid.com"];
    m.configSchema = [
      configField("api_key", "SendGrid API key with Mail Send permission (SG.…)", {
        required: true,
        secret: true,
      }),
      configField(
        "from_email",
        'default sender: a verified Sender Identity, "Name <address>" or an address',
        { required: true },
      ),
      configField(
        "webhook_public_key",
        "the Event Webhook's verification key (base64 as SendGrid shows it, or PEM); unset: webhooks are refused",
      ),
      configField("base_url", "API base URL (e.g. https://api.eu.sendgrid.com, or a test double)", {
        defaultValue: DEFAULT_BASE_URL,
      }),
    ];
    return m;
  }

  configure(req: ConfigureRequest): ConfigureResponse {
    const response = requireConfig(req.config, ["api_key", "from_email"]);
    const from = setting(req.config, "from_email");
    if (from.length > 0 && !from.includes("@"))
      response.problems.push(configProblem("from_email", "must be an email address"));
    const key = setting(req.config, "webhook_public_key");
    if (key.length > 0 && !key.includes("-----BEGIN") && fromBase64(key.trim()) === null) {
      response.problems.push(
        configProblem(
          "webhook_public_key",
          "must be the base64 verification key SendGrid shows, or a PEM public key",
        ),
      );
    }
    return response;
  }

  prepareSend(req: PrepareSendRequest): PrepareSendResponse {
    const config = req.config;
    const message = req.message;
    if (message === null || addressOf(message.to, Address_KindCase.EMAIL).length == 0)
      return result(failed(ErrorCode.INVALID_RECIPIENT, "SendGrid needs an email recipient"));
    const content = message.content;
    if (content === null)
      return result(failed(ErrorCode.INVALID_ARGUMENT, "the message has no content"));
    const template = content!.template;
    const templated = template !== null && template!.name.length > 0;
    if (!templated && content!.text.length == 0 && content!.html.length == 0)
      return result(
        failed(ErrorCode.INVALID_ARGUMENT, "the message has no text, html or template"),
      );
    if (!templated && content!.subject.length == 0)
      return result(failed(ErrorCode.INVALID_ARGUMENT, "an email needs a subject"));

    const w = new JsonWriter().beginObject();
    w.key("personalizations").beginArray().beginObject();
    w.key("to").beginArray();
    writeMailbox(w, addressOf(message.to, Address_KindCase.EMAIL));
    w.endArray();
    // Comes back on every Event Webhook event for this message.
    w.key("custom_args").beginObject().key("hermes_message_id").string(message.id).endObject();
    if (templated && template!.variables.size > 0) {
      w.key("dynamic_template_data").beginObject();
      const names = template!.variables.keys();
      names.sort();
      for (let i = 0; i < names.length; i++)
        w.key(unchecked(names[i])).string(template!.variables.get(unchecked(names[i])));
      w.endObject();
    }
    w.endObject().endArray();
    w.key("from");
    const from = addressOf(message.from, Address_KindCase.EMAIL);
    writeMailbox(w, from.length > 0 ? from : setting(config, "from_email"));
    if (content!.subject.length > 0) w.key("subject").string(content!.subject);
    if (templated) {
      w.key("template_id").string(template!.name);
    } else {
      // SendGrid wants text/plain before text/html.
      w.key("content").beginArray();
      if (content!.text.length > 0)
        w.beginObject()
          .key("type")
          .string("text/plain")
          .key("value")
          .string(content!.text)
          .endObject();
      if (content!.html.length > 0)
        w.beginObject()
          .key("type")
          .string("text/html")
          .key("value")
          .string(content!.html)
          .endObject();
      w.endArray();
    }
    const attachments = content!.attachments;
    if (attachments.length > 0) {
      w.key("attachments").beginArray();
      for (let i = 0; i < attachments.length; i++) {
        const a = unchecked(attachments[i]);
        w.beginObject().key("content").string(base64(a.data)).key("filename").string(a.filename);
        if (a.contentType.length > 0) w.key("type").string(a.contentType);
        if (a.contentId.length > 0)
          w.key("disposition").string("inline").key("content_id").string(a.contentId);
        else w.key("disposition").string("attachment");
        w.endObject();
      }
      w.endArray();
    }
    w.endObject();
    const http = request("POST", setting(config, "base_url", DEFAULT_BASE_URL) + "/v3/mail/send");
    withHeader(http, "Authorization", "Bearer " + setting(config, "api_key"));
    withBody(http, "application/json", w.toString());
    return new PrepareSendResponse().setHttp(http);
  }

  handleResponse(req: HandleResponseRequest): HandleResponseResponse {
    const response = req.response!;
    if (isSuccess(response)) {
      const id = header(response.headers, "X-Message-Id");
      if (id !== null && id!.length > 0)
        return new HandleResponseResponse().setResult(submitted(id!));
      return new HandleResponseResponse().setResult(
        failed(
          ErrorCode.PROVIDER_REJECTED,
          "SendGrid accepted the message without an X-Message-Id: its events could not be matched",
        ),
      );
    }
    const json = parseJson(fromUtf8(response.body));
    return new HandleResponseResponse().setResult(failedFromHttp(response, sendgridReason(json)));
  }

  parseWebhook(req: ParseWebhookRequest): ParseWebhookResponse {
    const hook = req.request!;
    if (setting(req.config, "webhook_public_key").length == 0)
      return refuseWebhook(403, "webhooks are refused: webhook_public_key is not configured");
    const signature = header(hook.headers, SIGNATURE_HEADER);
    const timestamp = header(hook.headers, TIMESTAMP_HEADER);
    if (signature === null || timestamp === null)
      return refuseWebhook(401, "missing " + SIGNATURE_HEADER + " or " + TIMESTAMP_HEADER);
    const der = fromBase64(signature!.trim());
    if (der === null) return refuseWebhook(401, SIGNATURE_HEADER + " is not base64");
    // SendGrid signs the timestamp header followed by the raw body.
    const signed = utf8(timestamp!);
    const payload = new Uint8Array(signed.length + hook.body.length);
    payload.set(signed, 0);
    payload.set(hook.body, signed.length);
    if (!crypto.verify(SignatureAlgorithm.ECDSA_P256_SHA256, "webhook_public_key", payload, der!))
      return refuseWebhook(403, "the Event Webhook signature does not verify");

    const json = parseJson(fromUtf8(hook.body));
    if (json === null || json.kind != JsonKind.ARRAY)
      return refuseWebhook(400, "the Event Webhook body is not a JSON array");
    const reply = acceptWebhook();
    for (let i = 0; i < json.length; i++) {
      const event = eventOf(json.at(i)!);
      if (event !== null) reply.events.push(event!);
    }
    return reply;
  }

  health(req: HealthRequest): HealthResponse {
    return requireHealth(req.config, ["api_key"], "sends as " + setting(req.config, "from_email"));
  }
}

/**
 * One Event Webhook event. sg_message_id is the X-Message-Id followed by
 * ".filter…" (per recipient); the part before the first dot is our provider
 * message id. delivered → DELIVERED; bounce, dropped → FAILED; spamreport →
 * a complaint; open, click, unsubscribe… → engagement; processed, deferred →
 * progress. Events without sg_message_id (e.g. group unsubscribes) are skipped.
 */
function eventOf(item: JsonValue): DeliveryEvent | null {
  const sgId = item.getString("sg_message_id");
  const name = item.getString("event");
  if (sgId === null || name === null || sgId!.length == 0) return null;
  const dot = sgId!.indexOf(".");
  const id = dot > 0 ? sgId!.substring(0, dot) : sgId!;
  const reason = item.getString("reason");
  const response = item.getString("response");
  let event: DeliveryEvent;
  if (name == "delivered") {
    event = statusEvent(id, MessageStatus.DELIVERED);
    if (response !== null) event.detail.set("smtp_response", response!);
  } else if (name == "bounce" || name == "dropped") {
    const status = item.getString("status");
    const classification = item.getString("bounce_classification");
    const text = reason !== null ? reason! : "SendGrid reported " + name!;
    const invalid = classification !== null && classification == "Invalid Address";
    event = failedEvent(
      id,
      invalid ? ErrorCode.INVALID_RECIPIENT : ErrorCode.PROVIDER_REJECTED,
      text,
      status !== null ? status! : name!,
    );
    const type = item.getString("type"); // "bounce" or "blocked"
    if (type !== null) event.detail.set("bounce_type", type!);
    if (classification !== null) event.detail.set("bounce_classification", classification!);
  } else if (name == "spamreport") {
    event = noticeEvent(id, DeliveryEventKind.COMPLAINT);
  } else if (
    name == "open" ||
    name == "click" ||
    name == "unsubscribe" ||
    name == "group_unsubscribe" ||
    name == "group_resubscribe"
  ) {
    event = noticeEvent(id, DeliveryEventKind.ENGAGEMENT);
    const url = item.getString("url");
    if (url !== null) event.detail.set("url", url!);
  } else {
    event = noticeEvent(id, DeliveryEventKind.PROGRESS);
    if (response !== null) event.detail.set("smtp_response", response!);
    const attempt = item.get("attempt");
    if (attempt !== null) event.detail.set("attempt", attempt!.text);
  }
  event.detail.set("sendgrid_event", name!);
  const email = item.getString("email");
  if (email !== null) event.detail.set("email", email!);
  return event;
}

function result(r: SendResult): PrepareSendResponse {
  return new PrepareSendResponse().setResult(r);
}

register(new SendGridEmail());

// whatsapp-cloud: WhatsApp through Meta's Cloud API. Text and template
// messages with POST /{version}/{phone-number-id}/messages (Bearer token);
// status webhooks verified with X-Hub-Signature-256 (HMAC-SHA256 of the raw
// body, keyed by the app secret), and the GET subscription challenge.
import {
  AbiVersion,
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
  HashAlgorithm,
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
  acceptWebhook,
  configField,
  configProblem,
  constantTimeEqual,
  crypto,
  failed,
  failedEvent,
  fromHex,
  fromUtf8,
  header,
  isSuccess,
  noticeEvent,
  parseForm,
  parseJson,
  refuseWebhook,
  register,
  request,
  requireConfig,
  requireHealth,
  retryAfterMs,
  setting,
  statusEvent,
  submitted,
  urlQuery,
  utf8,
  withBody,
  withHeader,
} from "@hermes/sdk";
export * from "@hermes/sdk/exports";

const DEFAULT_BASE_URL = "https://graph.facebook.com";
const DEFAULT_API_VERSION = "v21.0";

function isDigits(text: string): bool {
  if (text.length == 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Positional template variables ("1", "2", …) in numeric order, named ones after them by name. */
function compareVariables(a: string, b: string): i32 {
  const an = isDigits(a);
  const bn = isDigits(b);
  if (an && bn) return I32.parseInt(a) - I32.parseInt(b);
  if (an != bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Graph API error codes (error.code) by what they mean for a retry:
 * throttling (4, 80007, 130429, 131048, 131056), transient (1, 2, 131000,
 * 131016, 133004), authentication (0, 10, 190, 200-299), or the recipient.
 */
function isThrottle(code: i64): bool {
  return code == 4 || code == 80007 || code == 130429 || code == 131048 || code == 131056;
}
function isTransient(code: i64): bool {
  return code == 1 || code == 2 || code == 131000 || code == 131016 || code == 133004;
}
function isAuth(code: i64): bool {
  return code == 0 || code == 10 || code == 190 || (code >= 200 && code < 300);
}
function isRecipient(code: i64): bool {
  // 131026: message undeliverable (not a WhatsApp user, old app); 131049/131050: not delivered to
  // keep engagement healthy / user stopped marketing.
  return code == 131026;
}

/** A Hermes error for a Graph API error object ({code, message, error_data.details}). */
function graphError(error: JsonValue, httpStatus: u32, retryAfter: u32): SendResult {
  const code = error.getInteger("code", -1);
  let text = error.getString("message");
  const data = error.get("error_data");
  const details = data !== null ? data.getString("details") : null;
  let message = text !== null ? text! : "WhatsApp error " + code.toString();
  if (details !== null && details!.length > 0) message += ": " + details!;
  const providerCode = code.toString();
  if (isThrottle(code) || httpStatus == 429)
    return failed(ErrorCode.THROTTLED, message, {
      retryable: true,
      providerCode: providerCode,
      retryAfterMs: retryAfter,
    });
  if (isTransient(code) || httpStatus >= 500)
    return failed(ErrorCode.PROVIDER_UNAVAILABLE, message, {
      retryable: true,
      providerCode: providerCode,
      retryAfterMs: retryAfter,
    });
  if (isAuth(code) || httpStatus == 401 || httpStatus == 403)
    return failed(ErrorCode.PROVIDER_AUTH, message, { providerCode: providerCode });
  if (isRecipient(code))
    return failed(ErrorCode.INVALID_RECIPIENT, message, { providerCode: providerCode });
  return failed(ErrorCode.PROVIDER_REJECTED, message, { providerCode: providerCode });
}

class WhatsAppCloud extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "whatsapp-cloud";
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    m.description =
      "WhatsApp text and template messages through Meta's Cloud API, with signed status webhooks";
    m.publisher = "hermes";
    m.channels = [Channel.CHAT];
    m.capabilities = [Capability.HTTP, Capability.CRYPTO, Capability.WEBHOOK];
    m.allowedHosts = ["graph.facebook.com"];
    m.configSchema = [
      configField("access_token", "a system user access token with whatsapp_business_messaging", {
        required: true,
        secret: true,
      }),
      configField("phone_number_id", "the sending WhatsApp phone number id", { required: true }),
      configField("app_secret", "the Meta app secret: the key of X-Hub-Signature-256 on webhooks", {
        required: true,
        secret: true,
      }),
      configField(
        "verify_token",
        "the Verify Token set in the app's webhook settings (GET challenge)",
        { secret: true },
      ),
      configField("api_version", "Graph API version", { defaultValue: DEFAULT_API_VERSION }),
      configField("base_url", "Graph API base URL (a test double)", {
        defaultValue: DEFAULT_BASE_URL,
      }),
    ];
    return m;
  }

  configure(req: ConfigureRequest): ConfigureResponse {
    const response = requireConfig(req.config, ["access_token", "phone_number_id"]);
    const id = setting(req.config, "phone_number_id");
    if (id.length > 0 && !isDigits(id))
      response.problems.push(
        configProblem(
          "phone_number_id",
          "must be the numeric phone number id, not the phone number",
        ),
      );
    if (setting(req.config, "app_secret").length == 0)
      response.problems.push(
        configProblem("app_secret", "is required: webhooks cannot be verified without it"),
      );
    const version = setting(req.config, "api_version", DEFAULT_API_VERSION);
    if (!version.startsWith("v") || version.length < 2)
      response.problems.push(configProblem("api_version", "must look like v21.0"));
    return response;
  }

  prepareSend(req: PrepareSendRequest): PrepareSendResponse {
    const config = req.config;
    const message = req.message;
    if (message === null || message.to === null)
      return result(failed(ErrorCode.INVALID_RECIPIENT, "the message has no recipient"));
    const to = message.to!;
    // The wa_id (chat id) is the number's digits; Meta takes either, without "+".
    let recipient = "";
    if (to.kindCase == Address_KindCase.CHAT_ID) recipient = to.chatId;
    else if (to.kindCase == Address_KindCase.PHONE) recipient = to.phone;
    if (recipient.startsWith("+")) recipient = recipient.substring(1);
    if (recipient.length == 0)
      return result(
        failed(ErrorCode.INVALID_RECIPIENT, "WhatsApp needs a phone number or wa_id recipient"),
      );
    const content = message.content;
    if (content === null)
      return result(failed(ErrorCode.INVALID_ARGUMENT, "the message has no content"));
    const body = new JsonWriter()
      .beginObject()
      .key("messaging_product")
      .string("whatsapp")
      .key("recipient_type")
      .string("individual")
      .key("to")
      .string(recipient)
      .key("biz_opaque_callback_data")
      .string(message.id);
    const template = content!.template;
    if (template !== null && template!.name.length > 0) {
      // Outside the 24-hour customer service window only approved templates may be sent.
      body
        .key("type")
        .string("template")
        .key("template")
        .beginObject()
        .key("name")
        .string(template!.name)
        .key("language")
        .beginObject()
        .key("code")
        .string(template!.language.length > 0 ? template!.language : "en_US")
        .endObject();
      const names = template!.variables.keys();
      if (names.length > 0) {
        names.sort(compareVariables);
        body
          .key("components")
          .beginArray()
          .beginObject()
          .key("type")
          .string("body")
          .key("parameters")
          .beginArray();
        for (let i = 0; i < names.length; i++) {
          const name = unchecked(names[i]);
          body.beginObject().key("type").string("text");
          if (!isDigits(name)) body.key("parameter_name").string(name);
          body.key("text").string(template!.variables.get(name)).endObject();
        }
        body.endArray().endObject().endArray();
      }
      body.endObject();
    } else if (content!.text.length > 0) {
      body
        .key("type")
        .string("text")
        .key("text")
        .beginObject()
        .key("preview_url")
        .bool(false)
        .key("body")
        .string(content!.text)
        .endObject();
    } else {
      return result(
        failed(ErrorCode.INVALID_ARGUMENT, "the message has neither text nor a template"),
      );
    }
    body.endObject();
    const url =
      setting(config, "base_url", DEFAULT_BASE_URL) +
      "/" +
      setting(config, "api_version", DEFAULT_API_VERSION) +
      "/" +
      setting(config, "phone_number_id") +
      "/messages";
    const http = request("POST", url);
    withHeader(http, "Authorization", "Bearer " + setting(config, "access_token"));
    withBody(http, "application/json", body.toString());
    return new PrepareSendResponse().setHttp(http);
  }

  handleResponse(req: HandleResponseRequest): HandleResponseResponse {
    const response = req.response!;
    const json = parseJson(fromUtf8(response.body));
    if (isSuccess(response)) {
      const messages = json !== null ? json.get("messages") : null;
      const first = messages !== null ? messages.at(0) : null;
      const id = first !== null ? first.getString("id") : null;
      if (id !== null && id!.length > 0) {
        const ok = submitted(id!);
        const status = first!.getString("message_status");
        if (status !== null) ok.detail.set("whatsapp_status", status!);
        return new HandleResponseResponse().setResult(ok);
      }
      return new HandleResponseResponse().setResult(
        failed(
          ErrorCode.PROVIDER_REJECTED,
          "WhatsApp accepted the request but returned no message id",
        ),
      );
    }
    const error = json !== null ? json.get("error") : null;
    if (response.transportError === null && error !== null && error.kind == JsonKind.OBJECT) {
      return new HandleResponseResponse().setResult(
        graphError(error, response.status, retryAfterMs(response.headers)),
      );
    }
    return new HandleResponseResponse().setResult(
      graphError(new JsonValue(), response.status, retryAfterMs(response.headers)),
    );
  }

  parseWebhook(req: ParseWebhookRequest): ParseWebhookResponse {
    const hook = req.request!;
    if (hook.method == "GET") return this.challenge(req);
    const signature = header(hook.headers, "X-Hub-Signature-256");
    if (signature === null || !signature.startsWith("sha256="))
      return refuseWebhook(401, "no X-Hub-Signature-256 header");
    const given = fromHex(signature.substring(7).toLowerCase());
    if (given === null) return refuseWebhook(401, "X-Hub-Signature-256 is not hex");
    if (!constantTimeEqual(given!, crypto.hmac(HashAlgorithm.SHA256, "app_secret", hook.body)))
      return refuseWebhook(403, "X-Hub-Signature-256 does not match");
    const json = parseJson(fromUtf8(hook.body));
    if (json === null || json.getString("object") != "whatsapp_business_account")
      return refuseWebhook(400, "not a whatsapp_business_account notification");
    const reply = acceptWebhook();
    const entries = json.get("entry");
    for (let e = 0; entries !== null && e < entries.length; e++) {
      const changes = entries.at(e)!.get("changes");
      for (let c = 0; changes !== null && c < changes.length; c++) {
        const value = changes.at(c)!.get("value");
        const statuses = value !== null ? value.get("statuses") : null;
        // Inbound messages (value.messages) are not this template's business: acknowledged, not
        // recorded.
        for (let s = 0; statuses !== null && s < statuses.length; s++) {
          const event = reportEvent(statuses.at(s)!);
          if (event === null) return refuseWebhook(400, "a status without id or status");
          reply.events.push(event!);
        }
      }
    }
    return reply;
  }

  /** Meta's subscription check: echo hub.challenge when hub.verify_token matches. */
  challenge(req: ParseWebhookRequest): ParseWebhookResponse {
    const query = parseForm(urlQuery(req.request!.url));
    const expected = setting(req.config, "verify_token");
    if (expected.length == 0) return refuseWebhook(403, "verify_token is not configured");
    if (
      !query.has("hub.mode") ||
      query.get("hub.mode") != "subscribe" ||
      !query.has("hub.challenge")
    )
      return refuseWebhook(400, "expected hub.mode=subscribe and hub.challenge");
    const token = query.has("hub.verify_token") ? query.get("hub.verify_token") : "";
    if (!constantTimeEqual(utf8(token), utf8(expected)))
      return refuseWebhook(403, "hub.verify_token does not match");
    const reply = acceptWebhook();
    reply.replyBody = utf8(query.get("hub.challenge"));
    reply.replyContentType = "text/plain";
    return reply;
  }

  health(req: HealthRequest): HealthResponse {
    return requireHealth(
      req.config,
      ["access_token", "phone_number_id"],
      "phone number id " + setting(req.config, "phone_number_id"),
    );
  }
}

/**
 * One entry of value.statuses: delivered → DELIVERED; failed → FAILED with
 * errors[0]; read → an engagement (it follows delivered); sent → progress.
 */
function reportEvent(status: JsonValue): DeliveryEvent | null {
  const id = status.getString("id");
  const state = status.getString("status");
  if (id === null || state === null || id!.length == 0) return null;
  let event: DeliveryEvent;
  if (state == "delivered") {
    event = statusEvent(id!, MessageStatus.DELIVERED);
  } else if (state == "failed") {
    const errors = status.get("errors");
    const first = errors !== null ? errors.at(0) : null;
    const error = graphError(first !== null ? first! : new JsonValue(), 200, 0).error!;
    // Without a message the Graph error says only its code; the status error's title says more.
    const title = first !== null ? first!.getString("title") : null;
    const message =
      title !== null && error.message.startsWith("WhatsApp error") ? title! : error.message;
    // A failed delivery is final for this message (failedEvent: never retryable), whatever
    // graphError says of a send.
    event = failedEvent(id!, error.code, message, error.providerCode);
  } else if (state == "read") {
    event = noticeEvent(id!, DeliveryEventKind.ENGAGEMENT);
  } else {
    event = noticeEvent(id!, DeliveryEventKind.PROGRESS);
  }
  event.detail.set("whatsapp_status", state!);
  const recipient = status.getString("recipient_id");
  if (recipient !== null) event.detail.set("recipient_id", recipient!);
  return event;
}

function result(r: SendResult): PrepareSendResponse {
  return new PrepareSendResponse().setResult(r);
}

register(new WhatsAppCloud());

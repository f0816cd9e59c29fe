// twilio-sms: SMS through Twilio's Programmable Messaging API
// (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, HTTP
// Basic auth with the Account SID and Auth Token), and Twilio's status
// callbacks, verified with X-Twilio-Signature before they count.
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
  Form,
  FormField,
  HandleResponseRequest,
  HandleResponseResponse,
  HashAlgorithm,
  HealthRequest,
  HealthResponse,
  Manifest,
  MessageStatus,
  ParseWebhookRequest,
  ParseWebhookResponse,
  Plugin,
  PrepareSendRequest,
  PrepareSendResponse,
  acceptWebhook,
  addressOf,
  base64,
  checkHttpUrl,
  configField,
  configProblem,
  constantTimeEqual,
  crypto,
  failed,
  failedEvent,
  failedFromHttp,
  fromBase64,
  fromUtf8,
  header,
  isSuccess,
  noticeEvent,
  parseFormFields,
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

const DEFAULT_BASE_URL = "https://api.twilio.com";

/** Twilio error codes that mean the recipient, not the request, is wrong. */
function recipientError(code: string): bool {
  // 21211 invalid 'To', 21614 'To' is not a mobile number, 30005 unknown destination, 30006
  // landline.
  return code == "21211" || code == "21614" || code == "30005" || code == "30006";
}

/** Twilio signs the URL then each POST parameter as name+value, sorted by name (then value). */
function compareFields(a: FormField, b: FormField): i32 {
  if (a.name != b.name) return a.name < b.name ? -1 : 1;
  if (a.value == b.value) return 0;
  return a.value < b.value ? -1 : 1;
}

class TwilioSms extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "twilio-sms";
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    m.description = "SMS through Twilio Programmable Messaging, with signed status callbacks";
    m.publisher = "hermes";
    m.channels = [Channel.SMS];
    m.capabilities = [Capability.HTTP, Capability.CRYPTO, Capability.WEBHOOK];
    m.allowedHosts = ["api.twilio.com"];
    m.configSchema = [
      configField("account_sid", "Twilio Account SID (AC…)", { required: true }),
      configField(
        "auth_token",
        "Twilio Auth Token: Basic auth password and the key of X-Twilio-Signature",
        { required: true, secret: true },
      ),
      configField(
        "from",
        "sender: a Twilio number in E.164 or an alphanumeric sender id (unless messaging_service_sid is set)",
      ),
      configField("messaging_service_sid", "Messaging Service SID (MG…), instead of from"),
      configField(
        "status_callback_url",
        "this route's webhook URL as Twilio reaches it, e.g. https://hermes.example.com/webhooks/<route>; also what signatures are checked against when the gateway has no publicUrl",
      ),
      configField("base_url", "API base URL (a Twilio edge, or a test double)", {
        defaultValue: DEFAULT_BASE_URL,
      }),
    ];
    return m;
  }

  configure(req: ConfigureRequest): ConfigureResponse {
    const response = requireConfig(req.config, ["account_sid", "auth_token"]);
    const sid = setting(req.config, "account_sid");
    if (sid.length > 0 && (!sid.startsWith("AC") || sid.length != 34))
      response.problems.push(
        configProblem("account_sid", "must be AC followed by 32 hex characters"),
      );
    if (
      setting(req.config, "from").length == 0 &&
      setting(req.config, "messaging_service_sid").length == 0
    ) {
      response.problems.push(
        configProblem("from", "is required unless messaging_service_sid is set"),
      );
    }
    return checkHttpUrl(response, req.config, "status_callback_url");
  }

  prepareSend(req: PrepareSendRequest): PrepareSendResponse {
    const config = req.config;
    const message = req.message;
    const to = message !== null ? addressOf(message.to, Address_KindCase.PHONE) : "";
    if (message === null || to.length == 0)
      return new PrepareSendResponse().setResult(
        failed(ErrorCode.INVALID_RECIPIENT, "Twilio SMS needs a phone number recipient"),
      );
    const text = message.content !== null ? message.content!.text : "";
    if (text.length == 0)
      return new PrepareSendResponse().setResult(
        failed(ErrorCode.INVALID_ARGUMENT, "the message has no text"),
      );
    const sid = setting(config, "account_sid");
    const form = new Form().add("To", to);
    const sender = addressOf(message.from, Address_KindCase.PHONE);
    const from = sender.length > 0 ? sender : setting(config, "from");
    if (from.length > 0) form.add("From", from);
    else form.add("MessagingServiceSid", setting(config, "messaging_service_sid"));
    form.add("Body", text);
    const callback = setting(config, "status_callback_url");
    if (callback.length > 0) form.add("StatusCallback", callback);
    const http = request(
      "POST",
      setting(config, "base_url", DEFAULT_BASE_URL) +
        "/2010-04-01/Accounts/" +
        sid +
        "/Messages.json",
    );
    withHeader(
      http,
      "Authorization",
      "Basic " + base64(utf8(sid + ":" + setting(config, "auth_token"))),
    );
    withHeader(http, "Accept", "application/json");
    withBody(http, "application/x-www-form-urlencoded", form.toString());
    return new PrepareSendResponse().setHttp(http);
  }

  handleResponse(req: HandleResponseRequest): HandleResponseResponse {
    const response = req.response!;
    const json = parseJson(fromUtf8(response.body));
    if (isSuccess(response)) {
      const sid = json !== null ? json.getString("sid") : null;
      if (sid !== null && sid.length > 0) {
        const result = submitted(sid);
        const status = json!.getString("status");
        if (status !== null) result.detail.set("twilio_status", status);
        return new HandleResponseResponse().setResult(result);
      }
      return new HandleResponseResponse().setResult(
        failed(
          ErrorCode.PROVIDER_REJECTED,
          "Twilio accepted the request but returned no message sid",
        ),
      );
    }
    // Twilio errors: {"code": 21211, "message": "...", "more_info": "...", "status": 400}.
    const message = json !== null ? json.getString("message") : null;
    const code = json !== null && json.get("code") !== null ? json.get("code")!.text : "";
    const result = failedFromHttp(response, message !== null ? message : "", code);
    if (result.error !== null && recipientError(code))
      result.error!.code = ErrorCode.INVALID_RECIPIENT;
    return new HandleResponseResponse().setResult(result);
  }

  parseWebhook(req: ParseWebhookRequest): ParseWebhookResponse {
    const hook = req.request!;
    const signature = header(hook.headers, "X-Twilio-Signature");
    if (signature === null || signature.length == 0)
      return refuseWebhook(401, "no X-Twilio-Signature header");
    const given = fromBase64(signature);
    if (given === null) return refuseWebhook(401, "X-Twilio-Signature is not base64");
    const url =
      hook.publicUrl.length > 0 ? hook.publicUrl : setting(req.config, "status_callback_url");
    if (url.length == 0)
      return refuseWebhook(
        403,
        "cannot verify X-Twilio-Signature: set the route's publicUrl or status_callback_url",
      );
    const fields = parseFormFields(fromUtf8(hook.body));
    const sorted = fields.slice(0);
    sorted.sort(compareFields);
    const signed = new Array<string>();
    signed.push(url);
    for (let i = 0; i < sorted.length; i++) {
      signed.push(unchecked(sorted[i]).name);
      signed.push(unchecked(sorted[i]).value);
    }
    const expected = crypto.hmac(HashAlgorithm.SHA1, "auth_token", utf8(signed.join("")));
    if (!constantTimeEqual(given!, expected))
      return refuseWebhook(403, "X-Twilio-Signature does not match");

    let messageSid = "";
    let status = "";
    let errorCode = "";
    for (let i = 0; i < fields.length; i++) {
      const f = unchecked(fields[i]);
      if (f.name == "MessageSid") messageSid = f.value;
      else if (f.name == "MessageStatus") status = f.value;
      else if (f.name == "ErrorCode") errorCode = f.value;
    }
    if (messageSid.length == 0 || status.length == 0)
      return refuseWebhook(400, "a status callback needs MessageSid and MessageStatus");
    const reply = acceptWebhook();
    reply.events.push(callbackEvent(messageSid, status, errorCode));
    return reply;
  }

  health(req: HealthRequest): HealthResponse {
    return requireHealth(
      req.config,
      ["account_sid", "auth_token"],
      "account " + setting(req.config, "account_sid"),
    );
  }
}

/**
 * A Twilio MessageStatus as a Hermes event: delivered (and read, for
 * channels that report it) is DELIVERED; undelivered, failed and canceled
 * are FAILED with Twilio's ErrorCode; the rest (accepted, queued, sending,
 * sent…) is progress the gateway records without a status change.
 */
function callbackEvent(messageSid: string, status: string, errorCode: string): DeliveryEvent {
  let event: DeliveryEvent;
  if (status == "delivered" || status == "read") {
    event = statusEvent(messageSid, MessageStatus.DELIVERED);
  } else if (status == "undelivered" || status == "failed" || status == "canceled") {
    event = failedEvent(
      messageSid,
      recipientError(errorCode) ? ErrorCode.INVALID_RECIPIENT : ErrorCode.PROVIDER_REJECTED,
      "Twilio reported the message " +
        status +
        (errorCode.length > 0 ? " (error " + errorCode + ")" : ""),
      errorCode.length > 0 ? errorCode : status,
    );
  } else {
    event = noticeEvent(messageSid, DeliveryEventKind.PROGRESS);
  }
  event.detail.set("twilio_status", status);
  if (errorCode.length > 0) event.detail.set("twilio_error_code", errorCode);
  return event;
}

register(new TwilioSms());

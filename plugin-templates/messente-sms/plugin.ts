// messente-sms: SMS through Messente's Omnimessage API (POST /v1/omnimessage,
// HTTP Basic auth with the API username and password) and its delivery
// reports, posted to the dlr_url each message names. Messente does not sign
// them, so the template authenticates them with a secret token it puts in
// that URL (compared in constant time).
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
  acceptWebhook,
  addressOf,
  base64,
  callbackUrl,
  checkCallbackToken,
  checkHttpUrl,
  configField,
  failed,
  failedEvent,
  failedFromHttp,
  fromUtf8,
  isSuccess,
  noticeEvent,
  parseJson,
  refuseCallbackToken,
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

const DEFAULT_BASE_URL = "https://api.messente.com";

/**
 * Messente's errors: {"errors":[{"title","detail","code","source"}]}; the first one's detail (and
 * source), and its code.
 */
function messenteError(json: JsonValue | null): string[] {
  const errors = json !== null ? json!.get("errors") : null;
  const first = errors !== null ? errors!.at(0) : null;
  if (first === null) return ["", ""];
  const detail = first!.getString("detail");
  const title = first!.getString("title");
  const source = first!.getString("source");
  const code = first!.get("code");
  let reason = detail !== null ? detail! : title !== null ? title! : "";
  if (source !== null && source!.length > 0) reason += " (" + source! + ")";
  return [reason, code !== null ? code!.text : ""];
}

class MessenteSms extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "messente-sms";
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    m.description = "SMS through Messente's Omnimessage API with delivery reports";
    m.publisher = "hermes";
    m.channels = [Channel.SMS];
    m.capabilities = [Capability.HTTP, Capability.WEBHOOK];
    m.allowedHosts = ["api.messente.com"];
    m.configSchema = [
      configField("username", "Messente API username", { required: true }),
      configField("password", "Messente API password", { required: true, secret: true }),
      configField("sender", "sender name or number (registered with Messente)", { required: true }),
      configField(
        "dlr_url",
        "this route's webhook as Messente reaches it, e.g. https://hermes.example.com/webhooks/<route>",
        { required: true },
      ),
      configField(
        "webhook_token",
        "a long random secret added to dlr_url; reports without it are refused",
        { required: true, secret: true },
      ),
      configField("base_url", "API base URL (a test double)", { defaultValue: DEFAULT_BASE_URL }),
    ];
    return m;
  }

  configure(req: ConfigureRequest): ConfigureResponse {
    const response = requireConfig(req.config, [
      "username",
      "password",
      "sender",
      "dlr_url",
      "webhook_token",
    ]);
    checkHttpUrl(response, req.config, "dlr_url");
    return checkCallbackToken(response, req.config, "webhook_token");
  }

  prepareSend(req: PrepareSendRequest): PrepareSendResponse {
    const config = req.config;
    const message = req.message;
    const to = message !== null ? addressOf(message.to, Address_KindCase.PHONE) : "";
    if (message === null || to.length == 0)
      return new PrepareSendResponse().setResult(
        failed(ErrorCode.INVALID_RECIPIENT, "Messente SMS needs a phone number recipient"),
      );
    const text = message.content !== null ? message.content!.text : "";
    if (text.length == 0)
      return new PrepareSendResponse().setResult(
        failed(ErrorCode.INVALID_ARGUMENT, "the message has no text"),
      );
    const own = addressOf(message.from, Address_KindCase.PHONE);
    const sender = own.length > 0 ? own : setting(config, "sender");
    const body = new JsonWriter()
      .beginObject()
      .key("to")
      .string(to)
      .key("messages")
      .beginArray()
      .beginObject()
      .key("channel")
      .string("sms")
      .key("sender")
      .string(sender)
      .key("text")
      .string(text)
      .endObject()
      .endArray()
      .key("dlr_url")
      .string(callbackUrl(setting(config, "dlr_url"), setting(config, "webhook_token")))
      .key("text_store")
      .string("nostore")
      .endObject();
    const http = request("POST", setting(config, "base_url", DEFAULT_BASE_URL) + "/v1/omnimessage");
    withHeader(
      http,
      "Authorization",
      "Basic " + base64(utf8(setting(config, "username") + ":" + setting(config, "password"))),
    );
    withHeader(http, "Accept", "application/json");
    withBody(http, "application/json", body.toString());
    return new PrepareSendResponse().setHttp(http);
  }

  handleResponse(req: HandleResponseRequest): HandleResponseResponse {
    const response = req.response!;
    const json = parseJson(fromUtf8(response.body));
    if (isSuccess(response)) {
      // {"messages":[{"channel":"sms","message_id":…,"sender":…}],"to":…,"omnimessage_id":…}
      const messages = json !== null ? json!.get("messages") : null;
      const first = messages !== null ? messages!.at(0) : null;
      const id = first !== null ? first!.getString("message_id") : null;
      if (id === null || id!.length == 0)
        return new HandleResponseResponse().setResult(
          failed(ErrorCode.PROVIDER_REJECTED, "Messente accepted the request without a message_id"),
        );
      const ok = submitted(id!);
      const omnimessage = json!.getString("omnimessage_id");
      if (omnimessage !== null) ok.detail.set("omnimessage_id", omnimessage!);
      return new HandleResponseResponse().setResult(ok);
    }
    const error = messenteError(json);
    return new HandleResponseResponse().setResult(failedFromHttp(response, error[0], error[1]));
  }

  parseWebhook(req: ParseWebhookRequest): ParseWebhookResponse {
    const hook = req.request!;
    const refused = refuseCallbackToken(hook.url, setting(req.config, "webhook_token"));
    if (refused !== null) return refused;
    const json = parseJson(fromUtf8(hook.body));
    if (json === null || json!.kind != JsonKind.OBJECT)
      return refuseWebhook(400, "a delivery report is a JSON object");
    const reply = acceptWebhook();
    // One report per post; a report with `statuses` (the status API's shape) carries several.
    const statuses = json!.get("statuses");
    const items = statuses !== null && statuses!.kind == JsonKind.ARRAY ? statuses!.items : [json!];
    for (let i = 0; i < items.length; i++) {
      const event = reportEvent(unchecked(items[i]));
      if (event === null)
        return refuseWebhook(400, "report " + i.toString() + " has no message_id or status");
      reply.events.push(event!);
    }
    return reply;
  }

  health(req: HealthRequest): HealthResponse {
    return requireHealth(
      req.config,
      ["username", "password"],
      "sends as " + setting(req.config, "sender"),
    );
  }
}

/**
 * One delivery report: DELIVRD → DELIVERED; UNDELIV, FAILED, REJECTD, NACK,
 * DELETED → FAILED (err as provider code, error as reason); EXPIRED →
 * EXPIRED; SEEN → engagement; ACK, ACCEPTD, UNKNOWN → progress.
 */
function reportEvent(report: JsonValue): DeliveryEvent | null {
  const id = report.getString("message_id");
  const status = report.getString("status");
  if (id === null || status === null || id!.length == 0) return null;
  const err = report.get("err");
  const code = err !== null && !err!.isNull ? err!.text : "";
  const reason = report.getString("error");
  let event: DeliveryEvent;
  if (status == "DELIVRD") {
    event = statusEvent(id!, MessageStatus.DELIVERED);
  } else if (
    status == "UNDELIV" ||
    status == "FAILED" ||
    status == "REJECTD" ||
    status == "NACK" ||
    status == "DELETED" ||
    status == "EXPIRED"
  ) {
    const expired = status == "EXPIRED";
    const text =
      "Messente reported " +
      status! +
      (reason !== null && reason!.length > 0 ? ": " + reason! : "");
    event = failedEvent(
      id!,
      expired ? ErrorCode.EXPIRED : ErrorCode.PROVIDER_REJECTED,
      text,
      code.length > 0 ? code : status!,
      expired ? MessageStatus.EXPIRED : MessageStatus.FAILED,
    );
  } else if (status == "SEEN") {
    event = noticeEvent(id!, DeliveryEventKind.ENGAGEMENT);
  } else {
    event = noticeEvent(id!, DeliveryEventKind.PROGRESS);
  }
  event.detail.set("messente_status", status!);
  return event;
}

register(new MessenteSms());

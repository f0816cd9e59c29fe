// infobip-sms: SMS through Infobip (POST /sms/2/text/advanced, "App" API key
// auth) and its delivery reports, posted to the notifyUrl each message names.
// Infobip does not sign notifyUrl callbacks, so the template authenticates
// them with a secret token it puts in that URL (compared in constant time).
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
  withBody,
  withHeader,
} from "@hermes/sdk";
export * from "@hermes/sdk/exports";

/** Status names that blame the destination number. */
function recipientProblem(name: string): bool {
  return (
    name.includes("DESTINATION") ||
    name == "EC_UNKNOWN_SUBSCRIBER" ||
    name == "EC_ABSENT_SUBSCRIBER_SM"
  );
}

/** "{groupName}/{name}: {description}" of an Infobip status or error object. */
function statusText(status: JsonValue | null): string {
  if (status === null) return "";
  const name = status!.getString("name");
  const description = status!.getString("description");
  return (name !== null ? name! : "") + (description !== null ? ": " + description! : "");
}

class InfobipSms extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "infobip-sms";
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    m.description = "SMS through Infobip's /sms/2/text/advanced with delivery reports";
    m.publisher = "hermes";
    m.channels = [Channel.SMS];
    m.capabilities = [Capability.HTTP, Capability.WEBHOOK];
    // Infobip gives every account its own base URL (xxxxx.api.infobip.com).
    m.allowedHosts = ["*.api.infobip.com", "api.infobip.com"];
    m.configSchema = [
      configField("base_url", "your Infobip base URL, e.g. https://xxxxx.api.infobip.com", {
        required: true,
      }),
      configField("api_key", "Infobip API key (sent as Authorization: App <key>)", {
        required: true,
        secret: true,
      }),
      configField("from", "sender: a number or alphanumeric sender id", { required: true }),
      configField(
        "notify_url",
        "this route's webhook as Infobip reaches it, e.g. https://hermes.example.com/webhooks/<route>",
        { required: true },
      ),
      configField(
        "webhook_token",
        "a long random secret added to notify_url; reports without it are refused",
        { required: true, secret: true },
      ),
    ];
    return m;
  }

  configure(req: ConfigureRequest): ConfigureResponse {
    const response = requireConfig(req.config, [
      "base_url",
      "api_key",
      "from",
      "notify_url",
      "webhook_token",
    ]);
    checkHttpUrl(response, req.config, "base_url");
    checkHttpUrl(response, req.config, "notify_url");
    return checkCallbackToken(response, req.config, "webhook_token");
  }

  prepareSend(req: PrepareSendRequest): PrepareSendResponse {
    const config = req.config;
    const message = req.message;
    const phone = message !== null ? addressOf(message.to, Address_KindCase.PHONE) : "";
    if (message === null || phone.length == 0)
      return new PrepareSendResponse().setResult(
        failed(ErrorCode.INVALID_RECIPIENT, "Infobip SMS needs a phone number recipient"),
      );
    const text = message.content !== null ? message.content!.text : "";
    if (text.length == 0)
      return new PrepareSendResponse().setResult(
        failed(ErrorCode.INVALID_ARGUMENT, "the message has no text"),
      );
    const to = phone.startsWith("+") ? phone.substring(1) : phone;
    const sender = addressOf(message.from, Address_KindCase.PHONE);
    const from = sender.length > 0 ? sender : setting(config, "from");
    const body = new JsonWriter()
      .beginObject()
      .key("messages")
      .beginArray()
      .beginObject()
      .key("destinations")
      .beginArray()
      .beginObject()
      .key("to")
      .string(to)
      .endObject()
      .endArray()
      .key("from")
      .string(from)
      .key("text")
      .string(text)
      .key("notifyUrl")
      .string(callbackUrl(setting(config, "notify_url"), setting(config, "webhook_token")))
      .key("notifyContentType")
      .string("application/json")
      .key("callbackData")
      .string(message.id)
      .endObject()
      .endArray()
      .endObject();
    const http = request("POST", setting(config, "base_url") + "/sms/2/text/advanced");
    withHeader(http, "Authorization", "App " + setting(config, "api_key"));
    withHeader(http, "Accept", "application/json");
    withBody(http, "application/json", body.toString());
    return new PrepareSendResponse().setHttp(http);
  }

  handleResponse(req: HandleResponseRequest): HandleResponseResponse {
    const response = req.response!;
    const json = parseJson(fromUtf8(response.body));
    if (isSuccess(response)) {
      const messages = json !== null ? json!.get("messages") : null;
      const first = messages !== null ? messages!.at(0) : null;
      if (first === null)
        return new HandleResponseResponse().setResult(
          failed(ErrorCode.PROVIDER_REJECTED, "Infobip's answer lists no message"),
        );
      const status = first!.get("status");
      const group = status !== null ? status!.getString("groupName") : null;
      const name = status !== null ? status!.getString("name") : null;
      // A 200 may still carry a per-message rejection (group 5, REJECTED).
      if (group !== null && group == "REJECTED") {
        const code = recipientProblem(name !== null ? name! : "")
          ? ErrorCode.INVALID_RECIPIENT
          : ErrorCode.PROVIDER_REJECTED;
        return new HandleResponseResponse().setResult(
          failed(code, "Infobip rejected the message: " + statusText(status), {
            providerCode: name !== null ? name! : "REJECTED",
          }),
        );
      }
      const id = first!.getString("messageId");
      if (id === null || id!.length == 0)
        return new HandleResponseResponse().setResult(
          failed(ErrorCode.PROVIDER_REJECTED, "Infobip accepted the message without a messageId"),
        );
      const ok = submitted(id!);
      if (name !== null) ok.detail.set("infobip_status", name!);
      return new HandleResponseResponse().setResult(ok);
    }
    // {"requestError":{"serviceException":{"messageId":"BAD_REQUEST","text":"Bad request"}}}
    const requestError = json !== null ? json!.get("requestError") : null;
    const exception = requestError !== null ? requestError!.get("serviceException") : null;
    const text = exception !== null ? exception!.getString("text") : null;
    const code = exception !== null ? exception!.getString("messageId") : null;
    return new HandleResponseResponse().setResult(
      failedFromHttp(response, text !== null ? text! : "", code !== null ? code! : ""),
    );
  }

  parseWebhook(req: ParseWebhookRequest): ParseWebhookResponse {
    const hook = req.request!;
    const refused = refuseCallbackToken(hook.url, setting(req.config, "webhook_token"));
    if (refused !== null) return refused;
    const json = parseJson(fromUtf8(hook.body));
    const results = json !== null ? json!.get("results") : null;
    if (results === null || results!.kind != JsonKind.ARRAY)
      return refuseWebhook(400, "a delivery report needs a results array");
    const reply = acceptWebhook();
    for (let i = 0; i < results!.length; i++) {
      const event = reportEvent(results!.at(i)!);
      if (event === null)
        return refuseWebhook(400, "report " + i.toString() + " has no messageId or status");
      reply.events.push(event!);
    }
    return reply;
  }

  health(req: HealthRequest): HealthResponse {
    return requireHealth(
      req.config,
      ["base_url", "api_key"],
      "sends through " + setting(req.config, "base_url"),
    );
  }
}

/**
 * One delivery report: status.groupName DELIVERED → DELIVERED; UNDELIVERABLE,
 * REJECTED → FAILED; EXPIRED → EXPIRED; PENDING → progress. The error object
 * (name, description, permanent) becomes the Hermes error.
 */
function reportEvent(report: JsonValue): DeliveryEvent | null {
  const id = report.getString("messageId");
  const status = report.get("status");
  const group = status !== null ? status!.getString("groupName") : null;
  if (id === null || group === null || id!.length == 0) return null;
  const name = status!.getString("name");
  const error = report.get("error");
  const errorName = error !== null ? error!.getString("name") : null;
  let event: DeliveryEvent;
  if (group == "DELIVERED") {
    event = statusEvent(id!, MessageStatus.DELIVERED);
  } else if (group == "UNDELIVERABLE" || group == "REJECTED" || group == "EXPIRED") {
    const expired = group == "EXPIRED";
    const providerCode =
      errorName !== null && errorName! != "NO_ERROR" ? errorName! : name !== null ? name! : group!;
    const code = expired
      ? ErrorCode.EXPIRED
      : recipientProblem(providerCode)
        ? ErrorCode.INVALID_RECIPIENT
        : ErrorCode.PROVIDER_REJECTED;
    const reason =
      errorName !== null && errorName! != "NO_ERROR" ? statusText(error) : statusText(status);
    event = failedEvent(
      id!,
      code,
      "Infobip: " + reason,
      providerCode,
      expired ? MessageStatus.EXPIRED : MessageStatus.FAILED,
    );
  } else {
    event = noticeEvent(id!, DeliveryEventKind.PROGRESS);
  }
  event.detail.set("infobip_status", name !== null ? name! : group!);
  return event;
}

register(new InfobipSms());

// The example plugin of docs/plugin-sdk.md, compiled and driven by
// sdk/test/example-plugin.test.ts: an SMS provider with a JSON API.
import {
  AbiVersion,
  Address_KindCase,
  Capability,
  Channel,
  ConfigureRequest,
  ConfigureResponse,
  ErrorCode,
  HandleResponseRequest,
  HandleResponseResponse,
  JsonWriter,
  Manifest,
  MessageStatus,
  ParseWebhookRequest,
  ParseWebhookResponse,
  Plugin,
  PrepareSendRequest,
  PrepareSendResponse,
  acceptWebhook,
  configField,
  failed,
  failedFromHttp,
  fromUtf8,
  isSuccess,
  log,
  parseForm,
  parseJson,
  refuseWebhook,
  register,
  request,
  requireConfig,
  setting,
  statusEvent,
  submitted,
  withBody,
  withHeader,
} from "@hermes/sdk";
export * from "@hermes/sdk/exports";

class ExampleSms extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "example-sms";
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    m.description = "SMS through api.example.com";
    m.channels = [Channel.SMS];
    m.capabilities = [Capability.HTTP, Capability.WEBHOOK];
    m.allowedHosts = ["api.example.com"];
    m.configSchema = [
      configField("apiKey", "API key", { required: true, secret: true }),
      configField("baseUrl", "the provider's API root (its sandbox, a local mock)", {
        defaultValue: "https://api.example.com",
      }),
    ];
    return m;
  }

  configure(req: ConfigureRequest): ConfigureResponse {
    return requireConfig(req.config, ["apiKey"]);
  }

  prepareSend(req: PrepareSendRequest): PrepareSendResponse {
    const message = req.message!;
    const to = message.to;
    if (to === null || to.kindCase != Address_KindCase.PHONE) {
      return new PrepareSendResponse().setResult(
        failed(ErrorCode.INVALID_RECIPIENT, "needs a phone number"),
      );
    }
    const body = new JsonWriter()
      .beginObject()
      .key("to")
      .string(to.phone)
      .key("text")
      .string(message.content !== null ? message.content!.text : "")
      .key("reference")
      .string(message.id)
      .endObject();
    const http = request(
      "POST",
      setting(req.config, "baseUrl", "https://api.example.com") + "/v1/messages",
    );
    withHeader(http, "Authorization", "Bearer " + req.config.get("apiKey"));
    withBody(http, "application/json", body.toString());
    return new PrepareSendResponse().setHttp(http);
  }

  handleResponse(req: HandleResponseRequest): HandleResponseResponse {
    const response = req.response!;
    const json = parseJson(fromUtf8(response.body));
    if (isSuccess(response)) {
      const id = json !== null ? json.getString("id") : null;
      if (id !== null) return new HandleResponseResponse().setResult(submitted(id));
      return new HandleResponseResponse().setResult(
        failed(ErrorCode.INTERNAL, "the provider's answer has no id"),
      );
    }
    const reason = json !== null ? json.getString("error") : null;
    log.warn("send refused", null);
    return new HandleResponseResponse().setResult(
      failedFromHttp(response, reason !== null ? reason : ""),
    );
  }

  parseWebhook(req: ParseWebhookRequest): ParseWebhookResponse {
    const form = parseForm(fromUtf8(req.request!.body));
    if (!form.has("id") || !form.has("status")) return refuseWebhook(400, "expected id and status");
    const reply = acceptWebhook();
    const status =
      form.get("status") == "delivered" ? MessageStatus.DELIVERED : MessageStatus.FAILED;
    reply.events.push(statusEvent(form.get("id"), status));
    return reply;
  }
}

register(new ExampleSms());

// rest-generic: a configurable JSON-over-HTTP provider adapter. Start here for
// a provider Hermes does not ship: point `url` at its send endpoint, describe
// the body with placeholders, say where the message id is in its answer.
// Edit ALLOWED_HOSTS (and the plugin name) when you copy this template: the
// host refuses requests to any other host.
import {
  AbiVersion,
  Capability,
  Channel,
  ConfigureRequest,
  ConfigureResponse,
  ErrorCode,
  HandleResponseRequest,
  HandleResponseResponse,
  HashAlgorithm,
  HealthRequest,
  HealthResponse,
  JsonKind,
  JsonValue,
  Manifest,
  MessageStatus,
  ParseWebhookRequest,
  ParseWebhookResponse,
  Plugin,
  PrepareSendRequest,
  PrepareSendResponse,
  acceptWebhook,
  addressText,
  checkHttpUrl,
  configField,
  configProblem,
  constantTimeEqual,
  crypto,
  failed,
  failedEvent,
  failedFromHttp,
  formEncode,
  fromHex,
  fromUtf8,
  header,
  isSuccess,
  jsonString,
  parseJson,
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

const PLUGIN_NAME = "rest-generic";
const ALLOWED_HOSTS: Array<string> = ["api.example.com"];

/** `value` escaped for the body's content type, so a placeholder never breaks the body's syntax. */
function escapeFor(contentType: string, value: string): string {
  if (contentType.includes("json")) {
    const quoted = jsonString(value);
    return quoted.substring(1, quoted.length - 1);
  }
  if (contentType.includes("x-www-form-urlencoded")) return formEncode(value);
  return value;
}

/** Whether `part` is an array index (digits only, at most 9 of them). */
function isIndex(part: string): bool {
  if (part.length == 0 || part.length > 9) return false;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Follows a dotted path ("data.messages.0.id") through objects and arrays. */
function jsonAt(root: JsonValue, path: string): JsonValue | null {
  let node: JsonValue | null = root;
  const parts = path.split(".");
  for (let i = 0; i < parts.length && node !== null; i++) {
    const part = unchecked(parts[i]);
    if (node.kind == JsonKind.ARRAY) {
      node = isIndex(part) ? node.at(I32.parseInt(part)) : null;
    } else {
      node = node.get(part);
    }
  }
  return node;
}

/** A string or number at `path` as text, or "". */
function textAt(root: JsonValue | null, path: string): string {
  if (root === null || path.length == 0) return "";
  const node = jsonAt(root, path);
  return node !== null && (node.kind == JsonKind.STRING || node.kind == JsonKind.NUMBER)
    ? node.text
    : "";
}

/** Whether `value` is one of the comma-separated `list` (case-insensitive). */
function listed(list: string, value: string): bool {
  const wanted = value.toLowerCase();
  const items = list.split(",");
  for (let i = 0; i < items.length; i++)
    if (unchecked(items[i]).trim().toLowerCase() == wanted) return true;
  return false;
}

class RestGeneric extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = PLUGIN_NAME;
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    m.description = "Configurable JSON-over-HTTP provider adapter";
    m.channels = [Channel.SMS, Channel.EMAIL, Channel.PUSH, Channel.CHAT];
    m.capabilities = [Capability.HTTP, Capability.CRYPTO, Capability.WEBHOOK];
    m.allowedHosts = ALLOWED_HOSTS;
    m.configSchema = [
      configField("url", "the provider's send endpoint, an absolute https URL", { required: true }),
      configField("method", "HTTP method of the send request", { defaultValue: "POST" }),
      configField("auth_header", "the header carrying the credential", {
        defaultValue: "Authorization",
      }),
      configField("auth_value", 'the credential, e.g. "Bearer <key>" (empty: no auth header)', {
        secret: true,
      }),
      configField("content_type", "Content-Type of the send request body", {
        defaultValue: "application/json",
      }),
      configField(
        "body_template",
        "the request body; {{to}} {{from}} {{text}} {{subject}} {{id}} are replaced, escaped for the content type",
        { defaultValue: '{"to":"{{to}}","text":"{{text}}","reference":"{{id}}"}' },
      ),
      configField("id_path", "dotted JSON path of the provider's message id in a 2xx answer", {
        defaultValue: "id",
      }),
      configField("error_path", "dotted JSON path of the provider's reason in an error answer", {
        defaultValue: "error",
      }),
      configField(
        "webhook_secret",
        "HMAC-SHA256 key of delivery webhooks (unset: webhooks are refused)",
        { secret: true },
      ),
      configField(
        "webhook_signature_header",
        "header carrying the hex HMAC-SHA256 of the webhook body",
        { defaultValue: "X-Signature" },
      ),
      configField("webhook_id_path", "dotted JSON path of the message id in a webhook", {
        defaultValue: "id",
      }),
      configField("webhook_status_path", "dotted JSON path of the status in a webhook", {
        defaultValue: "status",
      }),
      configField("delivered_statuses", "comma-separated webhook statuses meaning delivered", {
        defaultValue: "delivered",
      }),
      configField("failed_statuses", "comma-separated webhook statuses meaning failed", {
        defaultValue: "failed,undelivered,rejected,expired",
      }),
    ];
    return m;
  }

  configure(req: ConfigureRequest): ConfigureResponse {
    const response = checkHttpUrl(requireConfig(req.config, ["url"]), req.config, "url");
    const method = setting(req.config, "method", "POST");
    if (method != "POST" && method != "PUT" && method != "PATCH")
      response.problems.push(configProblem("method", "must be POST, PUT or PATCH"));
    return response;
  }

  prepareSend(req: PrepareSendRequest): PrepareSendResponse {
    const config = req.config;
    const message = req.message;
    if (message === null || message.to === null || addressText(message.to).length == 0) {
      return new PrepareSendResponse().setResult(
        failed(ErrorCode.INVALID_RECIPIENT, "the message has no recipient"),
      );
    }
    const contentType = setting(config, "content_type", "application/json");
    const content = message.content;
    let body = setting(
      config,
      "body_template",
      '{"to":"{{to}}","text":"{{text}}","reference":"{{id}}"}',
    );
    body = body.replaceAll("{{to}}", escapeFor(contentType, addressText(message.to)));
    body = body.replaceAll("{{from}}", escapeFor(contentType, addressText(message.from)));
    body = body.replaceAll(
      "{{text}}",
      escapeFor(contentType, content !== null ? content.text : ""),
    );
    body = body.replaceAll(
      "{{subject}}",
      escapeFor(contentType, content !== null ? content.subject : ""),
    );
    body = body.replaceAll("{{id}}", escapeFor(contentType, message.id));
    const http = request(setting(config, "method", "POST"), setting(config, "url"));
    const auth = setting(config, "auth_value");
    if (auth.length > 0) withHeader(http, setting(config, "auth_header", "Authorization"), auth);
    withHeader(http, "Accept", "application/json");
    withBody(http, contentType, body);
    return new PrepareSendResponse().setHttp(http);
  }

  handleResponse(req: HandleResponseRequest): HandleResponseResponse {
    const response = req.response!;
    const json = parseJson(fromUtf8(response.body));
    if (isSuccess(response)) {
      const id = textAt(json, setting(req.config, "id_path", "id"));
      if (id.length > 0) return new HandleResponseResponse().setResult(submitted(id));
      // Accepted, but without an id no delivery report can be matched: say so rather than guess.
      return new HandleResponseResponse().setResult(
        failed(
          ErrorCode.PROVIDER_REJECTED,
          "the provider accepted the request but its answer has no id at " +
            setting(req.config, "id_path", "id"),
        ),
      );
    }
    return new HandleResponseResponse().setResult(
      failedFromHttp(response, textAt(json, setting(req.config, "error_path", "error"))),
    );
  }

  parseWebhook(req: ParseWebhookRequest): ParseWebhookResponse {
    const config = req.config;
    const hook = req.request!;
    if (setting(config, "webhook_secret").length == 0)
      return refuseWebhook(403, "webhooks are refused: webhook_secret is not configured");
    const signature = header(
      hook.headers,
      setting(config, "webhook_signature_header", "X-Signature"),
    );
    const given = signature !== null ? fromHex(signature.trim().toLowerCase()) : null;
    if (given === null) return refuseWebhook(401, "missing or malformed signature header");
    const expected = crypto.hmac(HashAlgorithm.SHA256, "webhook_secret", hook.body);
    if (!constantTimeEqual(given, expected)) return refuseWebhook(401, "bad signature");
    const json = parseJson(fromUtf8(hook.body));
    if (json === null) return refuseWebhook(400, "the body is not JSON");
    // One event or an array of them.
    const items = json.kind == JsonKind.ARRAY ? json.items : [json];
    const reply = acceptWebhook();
    for (let i = 0; i < items.length; i++) {
      const item = unchecked(items[i]);
      const id = textAt(item, setting(config, "webhook_id_path", "id"));
      const status = textAt(item, setting(config, "webhook_status_path", "status"));
      if (id.length == 0 || status.length == 0)
        return refuseWebhook(400, "event " + i.toString() + " has no id or status");
      if (listed(setting(config, "delivered_statuses", "delivered"), status)) {
        reply.events.push(withDetail(statusEvent(id, MessageStatus.DELIVERED), status));
      } else if (
        listed(setting(config, "failed_statuses", "failed,undelivered,rejected,expired"), status)
      ) {
        reply.events.push(
          withDetail(
            failedEvent(id, ErrorCode.PROVIDER_REJECTED, "the provider reported " + status, ""),
            status,
          ),
        );
      }
      // Other statuses (queued, sent...) are progress the gateway already knows from the send.
    }
    return reply;
  }

  health(req: HealthRequest): HealthResponse {
    return requireHealth(req.config, ["url"], "sends to " + setting(req.config, "url"));
  }
}

function withDetail<T>(event: T, providerStatus: string): T {
  event.detail.set("provider_status", providerStatus);
  return event;
}

register(new RestGeneric());

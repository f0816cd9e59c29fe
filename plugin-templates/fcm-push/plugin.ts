// fcm-push: push notifications through Firebase Cloud Messaging HTTP v1
// (POST /v1/projects/{project}/messages:send). The OAuth2 access token comes
// from a service-account JWT (RS256, signed by the host with the private key
// from config) exchanged at Google's token endpoint, and is cached in the
// host KV until shortly before it expires. A send is therefore one or two
// requests: prepare_send asks for the token (when none is cached) and
// handle_response then asks for the send.
import {
  AbiVersion,
  Address_KindCase,
  Capability,
  Channel,
  ConfigureRequest,
  ConfigureResponse,
  ErrorCode,
  Form,
  HandleResponseRequest,
  HandleResponseResponse,
  HealthRequest,
  HealthResponse,
  HttpRequest,
  JsonValue,
  JsonWriter,
  Manifest,
  Message,
  Plugin,
  PrepareSendRequest,
  PrepareSendResponse,
  SendResult,
  addressOf,
  base64url,
  checkHttpUrl,
  configField,
  configProblem,
  crypto,
  failed,
  failedFromHttp,
  fromUtf8,
  isSuccess,
  kv,
  nowMs,
  parseJson,
  register,
  request,
  requireConfig,
  requireHealth,
  setting,
  submitted,
  utf8,
  withBody,
  withHeader,
} from "@hermes/sdk";
export * from "@hermes/sdk/exports";

const DEFAULT_BASE_URL = "https://fcm.googleapis.com";
const DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
const SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
const TOKEN_KEY = "oauth_access_token";
/** Tokens are dropped this long before Google says they expire, so none is used as it lapses. */
const EXPIRY_MARGIN_SECONDS: i64 = 60;

// What the step in flight is, handed back by the host as `state`.
const STATE_TOKEN = "token";
const STATE_SEND = "send";
/** A send made with a cached token: a 401 means it was revoked, and earns one fresh token. */
const STATE_SEND_CACHED = "send-cached";

/** The signed service-account assertion (RFC 7523) for the token endpoint. */
function assertion(config: Map<string, string>): string {
  const header = new JsonWriter().beginObject().key("alg").string("RS256").key("typ").string("JWT");
  const kid = setting(config, "private_key_id");
  if (kid.length > 0) header.key("kid").string(kid);
  header.endObject();
  const now = nowMs() / 1000;
  const claims = new JsonWriter()
    .beginObject()
    .key("iss")
    .string(setting(config, "client_email"))
    .key("scope")
    .string(SCOPE)
    .key("aud")
    .string(setting(config, "token_uri", DEFAULT_TOKEN_URI))
    .key("iat")
    .integer(now)
    .key("exp")
    .integer(now + 3600)
    .endObject();
  const signingInput =
    base64url(utf8(header.toString())) + "." + base64url(utf8(claims.toString()));
  return signingInput + "." + base64url(crypto.signRs256("private_key", utf8(signingInput)));
}

function tokenRequest(config: Map<string, string>): HttpRequest {
  const http = request("POST", setting(config, "token_uri", DEFAULT_TOKEN_URI));
  const form = new Form()
    .add("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
    .add("assertion", assertion(config));
  return withBody(http, "application/x-www-form-urlencoded", form.toString());
}

function sendRequest(config: Map<string, string>, message: Message, token: string): HttpRequest {
  const content = message.content;
  const w = new JsonWriter().beginObject().key("message").beginObject();
  w.key("token").string(message.to!.deviceToken);
  if (content !== null && (content!.subject.length > 0 || content!.text.length > 0)) {
    w.key("notification").beginObject();
    if (content!.subject.length > 0) w.key("title").string(content!.subject);
    if (content!.text.length > 0) w.key("body").string(content!.text);
    w.endObject();
  }
  // FCM data values must be strings; the Hermes id lets the app report back.
  w.key("data").beginObject().key("hermes_message_id").string(message.id);
  const keys = message.metadata.keys();
  keys.sort();
  for (let i = 0; i < keys.length; i++) {
    const key = unchecked(keys[i]);
    if (key.startsWith("data.")) w.key(key.substring(5)).string(message.metadata.get(key));
  }
  w.endObject();
  w.endObject().endObject();
  const http = request(
    "POST",
    setting(config, "base_url", DEFAULT_BASE_URL) +
      "/v1/projects/" +
      setting(config, "project_id") +
      "/messages:send",
  );
  withHeader(http, "Authorization", "Bearer " + token);
  return withBody(http, "application/json", w.toString());
}

/** FCM's error: the FcmError errorCode in details, else the google.rpc status. */
function fcmErrorCode(error: JsonValue): string {
  const details = error.get("details");
  for (let i = 0; details !== null && i < details.length; i++) {
    const code = details.at(i)!.getString("errorCode");
    if (code !== null && code!.length > 0) return code!;
  }
  const status = error.getString("status");
  return status !== null ? status! : "";
}

/**
 * UNREGISTERED → INVALID_RECIPIENT; INVALID_ARGUMENT, SENDER_ID_MISMATCH →
 * PROVIDER_REJECTED; THIRD_PARTY_AUTH_ERROR → PROVIDER_AUTH (all permanent);
 * QUOTA_EXCEEDED → THROTTLED; UNAVAILABLE, INTERNAL → PROVIDER_UNAVAILABLE
 * (retryable, with Retry-After).
 */
function sendFailure(response: JsonValue | null, base: SendResult): SendResult {
  const error = base.error!;
  const fcm = response !== null ? response!.get("error") : null;
  if (fcm === null) return base;
  const code = fcmErrorCode(fcm!);
  const message = fcm!.getString("message");
  if (message !== null) error.message = code.length > 0 ? code + ": " + message! : message!;
  if (code.length == 0) return base;
  error.providerCode = code;
  if (code == "UNREGISTERED") {
    error.code = ErrorCode.INVALID_RECIPIENT;
    error.retryable = false;
  } else if (code == "INVALID_ARGUMENT" || code == "SENDER_ID_MISMATCH") {
    error.code = ErrorCode.PROVIDER_REJECTED;
    error.retryable = false;
  } else if (code == "THIRD_PARTY_AUTH_ERROR") {
    error.code = ErrorCode.PROVIDER_AUTH;
    error.retryable = false;
  } else if (code == "QUOTA_EXCEEDED") {
    error.code = ErrorCode.THROTTLED;
    error.retryable = true;
  } else if (code == "UNAVAILABLE" || code == "INTERNAL") {
    error.code = ErrorCode.PROVIDER_UNAVAILABLE;
    error.retryable = true;
  }
  return base;
}

class FcmPush extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "fcm-push";
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    m.description =
      "Push notifications through Firebase Cloud Messaging HTTP v1 with a service account";
    m.publisher = "hermes";
    m.channels = [Channel.PUSH];
    m.capabilities = [Capability.HTTP, Capability.KV, Capability.CRYPTO];
    m.allowedHosts = ["fcm.googleapis.com", "oauth2.googleapis.com"];
    m.configSchema = [
      configField("project_id", "Firebase project id (project_id of the service account JSON)", {
        required: true,
      }),
      configField("client_email", "service account email (client_email)", { required: true }),
      configField(
        "private_key",
        "service account private key, PEM (private_key); the host signs with it, the plugin never sees it",
        { required: true, secret: true },
      ),
      configField("private_key_id", "private_key_id, sent as the JWT kid"),
      configField("token_uri", "OAuth2 token endpoint (token_uri)", {
        defaultValue: DEFAULT_TOKEN_URI,
      }),
      configField("base_url", "FCM API base URL (a test double)", {
        defaultValue: DEFAULT_BASE_URL,
      }),
    ];
    return m;
  }

  configure(req: ConfigureRequest): ConfigureResponse {
    const response = requireConfig(req.config, ["project_id", "client_email", "private_key"]);
    const email = setting(req.config, "client_email");
    if (email.length > 0 && !email.includes("@"))
      response.problems.push(configProblem("client_email", "must be the service account's email"));
    const key = setting(req.config, "private_key");
    if (key.length > 0 && (!key.includes("-----BEGIN") || !key.includes("PRIVATE KEY-----")))
      response.problems.push(
        configProblem("private_key", "must be the PEM private key of the service account"),
      );
    return checkHttpUrl(response, req.config, "token_uri", DEFAULT_TOKEN_URI);
  }

  prepareSend(req: PrepareSendRequest): PrepareSendResponse {
    const message = req.message;
    if (message === null || addressOf(message.to, Address_KindCase.DEVICE_TOKEN).length == 0) {
      return new PrepareSendResponse().setResult(
        failed(ErrorCode.INVALID_RECIPIENT, "FCM needs a device token recipient"),
      );
    }
    const cached = kv.getString(TOKEN_KEY);
    const response = new PrepareSendResponse();
    if (cached !== null && cached!.length > 0) {
      response.setHttp(sendRequest(req.config, message!, cached!));
      response.state = utf8(STATE_SEND_CACHED);
    } else {
      response.setHttp(tokenRequest(req.config));
      response.state = utf8(STATE_TOKEN);
    }
    return response;
  }

  handleResponse(req: HandleResponseRequest): HandleResponseResponse {
    const response = req.response!;
    const state = fromUtf8(req.state);
    const ok = isSuccess(response);
    const json = parseJson(fromUtf8(response.body));
    if (state == STATE_TOKEN) {
      const token = ok && json !== null ? json!.getString("access_token") : null;
      if (token === null || token!.length == 0) {
        // {"error":"invalid_grant","error_description":"Invalid JWT Signature."}: the service
        // account is wrong, not the message.
        const reason = json !== null ? json!.getString("error_description") : null;
        const code = json !== null ? json!.getString("error") : null;
        const result = failedFromHttp(
          response,
          "token endpoint: " + (reason !== null ? reason! : "no access_token"),
        );
        const error = result.error!;
        if (!error.retryable) error.code = ErrorCode.PROVIDER_AUTH;
        if (code !== null) error.providerCode = code!;
        return new HandleResponseResponse().setResult(result);
      }
      const expiresIn = json!.getInteger("expires_in", 3600);
      if (expiresIn > EXPIRY_MARGIN_SECONDS)
        kv.setString(TOKEN_KEY, token!, <u32>(expiresIn - EXPIRY_MARGIN_SECONDS));
      const next = new HandleResponseResponse().setHttp(
        sendRequest(req.config, req.message!, token!),
      );
      next.state = utf8(STATE_SEND);
      return next;
    }
    if (ok) {
      // {"name": "projects/{project}/messages/{message_id}"}
      const name = json !== null ? json!.getString("name") : null;
      if (name !== null && name!.length > 0)
        return new HandleResponseResponse().setResult(submitted(name!));
      return new HandleResponseResponse().setResult(
        failed(ErrorCode.PROVIDER_REJECTED, "FCM accepted the message but returned no name"),
      );
    }
    if (response.transportError === null && response.status == 401) {
      kv.remove(TOKEN_KEY);
      if (state == STATE_SEND_CACHED) {
        // The cached token was revoked early: fetch a fresh one, once.
        const again = new HandleResponseResponse().setHttp(tokenRequest(req.config));
        again.state = utf8(STATE_TOKEN);
        return again;
      }
    }
    return new HandleResponseResponse().setResult(sendFailure(json, failedFromHttp(response)));
  }

  health(req: HealthRequest): HealthResponse {
    return requireHealth(
      req.config,
      ["project_id", "client_email"],
      "project " + setting(req.config, "project_id"),
    );
  }
}

register(new FcmPush());

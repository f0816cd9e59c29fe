// Small builders for what hooks return: send results, HTTP requests, and
// the usual mapping of a provider's HTTP status to a Hermes error.
import { Error$, ErrorCode } from "./gen/hermes/v1/error_pb";
import {
  HttpHeader,
  HttpRequest,
  HttpResponse,
  ParseWebhookResponse,
  SendResult,
} from "./gen/hermes/plugin/v1/plugin_pb";
import { DeliveryEvent, DeliveryEventKind, MessageStatus } from "./gen/hermes/v1/message_pb";
import { utf8 } from "./encoding";

/** The provider accepted the message under `providerMessageId`. */
export function submitted(providerMessageId: string): SendResult {
  return new SendResult().setProviderMessageId(providerMessageId);
}

/**
 * What else a failure says; pass an object literal naming only what differs:
 * `{ retryable: true, providerCode: "20429" }`.
 */
export class FailureOptions {
  /** The same message may succeed later: the host retries it. */
  retryable: bool = false;
  /** The provider's own error code. */
  providerCode: string = "";
  /** How long the host waits before a retry; 0 leaves it to its backoff. */
  retryAfterMs: u32 = 0;
}

/** The send failed with `code`; permanently unless `options` says it is retryable. */
export function failed(code: ErrorCode, message: string, options: FailureOptions = {}): SendResult {
  const error = new Error$();
  error.code = code;
  error.message = message;
  error.retryable = options.retryable;
  error.providerCode = options.providerCode;
  error.retryAfterMs = options.retryAfterMs;
  return new SendResult().setError(error);
}

/**
 * A failed result for a provider's non-2xx answer (or a transport error):
 * 401/403 PROVIDER_AUTH, 408 TIMEOUT, 429 THROTTLED (retryable, honouring
 * Retry-After in seconds), 5xx PROVIDER_UNAVAILABLE (retryable), other 4xx
 * PROVIDER_REJECTED. `message` says what the provider said, if known;
 * `providerCode` is the provider's own error code (default: the status).
 */
export function failedFromHttp(
  response: HttpResponse,
  message: string = "",
  providerCode: string = "",
): SendResult {
  const transport = response.transportError;
  if (transport !== null) return new SendResult().setError(transport);
  const status = response.status;
  const text = message.length > 0 ? message : "provider answered HTTP " + status.toString();
  const code = providerCode.length > 0 ? providerCode : status.toString();
  if (status == 401 || status == 403)
    return failed(ErrorCode.PROVIDER_AUTH, text, { providerCode: code });
  if (status == 408)
    return failed(ErrorCode.TIMEOUT, text, { retryable: true, providerCode: code });
  if (status == 429)
    return failed(ErrorCode.THROTTLED, text, {
      retryable: true,
      providerCode: code,
      retryAfterMs: retryAfterMs(response.headers),
    });
  if (status >= 500)
    return failed(ErrorCode.PROVIDER_UNAVAILABLE, text, {
      retryable: true,
      providerCode: code,
      retryAfterMs: retryAfterMs(response.headers),
    });
  return failed(ErrorCode.PROVIDER_REJECTED, text, { providerCode: code });
}

/** Whether the provider answered, with a 2xx status. */
export function isSuccess(response: HttpResponse): bool {
  return response.transportError === null && response.status >= 200 && response.status < 300;
}

/** Retry-After (delta-seconds) in milliseconds; 0 when absent or an HTTP date. */
export function retryAfterMs(headers: Array<HttpHeader>): u32 {
  const value = header(headers, "retry-after");
  if (value === null || value.length == 0 || value.length > 9) return 0;
  let seconds: u32 = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return 0;
    seconds = seconds * 10 + <u32>(c - 48);
  }
  return seconds > 4294967 ? 4294967295 : seconds * 1000;
}

/** The first header called `name` (case-insensitive), or null. */
export function header(headers: Array<HttpHeader>, name: string): string | null {
  const wanted = name.toLowerCase();
  for (let i = 0; i < headers.length; i++) {
    const h = unchecked(headers[i]);
    if (h.name.length == wanted.length && h.name.toLowerCase() == wanted) return h.value;
  }
  return null;
}

/** An HTTP request for the host to perform. */
export function request(method: string, url: string): HttpRequest {
  const r = new HttpRequest();
  r.method = method;
  r.url = url;
  return r;
}

/** Appends a header to `r`; returns `r`. */
export function withHeader(r: HttpRequest, name: string, value: string): HttpRequest {
  const h = new HttpHeader();
  h.name = name;
  h.value = value;
  r.headers.push(h);
  return r;
}

/** Sets a text body and its Content-Type; returns `r`. */
export function withBody(r: HttpRequest, contentType: string, body: string): HttpRequest {
  r.body = utf8(body);
  return withHeader(r, "Content-Type", contentType);
}

/**
 * A webhook event saying the message the provider knows as `providerMessageId` reached `status`.
 */
export function statusEvent(providerMessageId: string, status: MessageStatus): DeliveryEvent {
  const event = noticeEvent(providerMessageId, DeliveryEventKind.STATUS);
  event.status = status;
  return event;
}

/**
 * A webhook event saying the message ended `status` (FAILED unless given,
 * e.g. EXPIRED) with a Hermes error. Never retryable: a provider's report
 * of a failed delivery is final for that message.
 */
export function failedEvent(
  providerMessageId: string,
  code: ErrorCode,
  message: string,
  providerCode: string,
  status: MessageStatus = MessageStatus.FAILED,
): DeliveryEvent {
  const event = statusEvent(providerMessageId, status);
  event.error = failed(code, message, { providerCode: providerCode }).error;
  return event;
}

/**
 * A webhook event of `kind` with no status of its own: progress, engagement, complaint (statusEvent
 * adds one).
 */
export function noticeEvent(providerMessageId: string, kind: DeliveryEventKind): DeliveryEvent {
  const event = new DeliveryEvent();
  event.kind = kind;
  event.providerMessageId = providerMessageId;
  return event;
}

/** A webhook reply accepting the callback (200); push the events it carries onto `events`. */
export function acceptWebhook(): ParseWebhookResponse {
  const reply = new ParseWebhookResponse();
  reply.replyStatus = 200;
  return reply;
}

/**
 * A webhook reply refusing the callback: `status` (400 malformed, 401/403 bad signature) and why.
 */
export function refuseWebhook(status: u32, reason: string): ParseWebhookResponse {
  const reply = new ParseWebhookResponse();
  reply.replyStatus = status;
  reply.error = reason;
  return reply;
}

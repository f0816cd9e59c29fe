import { toJson } from "@bufbuild/protobuf";
import { MessageSchema, type Message } from "../../gen/hermes/v1/message_pb.js";
import { RouteState } from "../../gen/hermes/v1/admin_service_pb.js";
import { ErrorCode, HermesError, errorDetail } from "../../errors/hermes-error.js";
import type {
  AdapterContext,
  AdapterFactory,
  AdapterHealth,
  ChannelAdapter,
  SendOutcome,
} from "../../router/adapter.js";

/** Settings of a webhook route. */
export interface WebhookAdapterConfig {
  /** Where to POST; when unset, the message's own `to.url` (WEBHOOK channel). */
  readonly url?: string;
  /** Extra request headers, e.g. an Authorization for the receiving service. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Concurrent requests. */
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/**
 * The built-in adapter that makes the gateway useful on day one: it POSTs
 * each message as JSON (the contract's JSON form) to a URL. A 2xx answer is
 * delivery; 408, 429 and 5xx are retried (honouring Retry-After); any other
 * status fails the message with the endpoint's reason.
 */
export class WebhookAdapter implements ChannelAdapter {
  readonly type = "webhook";
  readonly #config: WebhookAdapterConfig;
  #inFlight = 0;
  #consecutiveFailures = 0;

  constructor(config: WebhookAdapterConfig) {
    this.#config = config;
  }

  async start(_ctx: AdapterContext): Promise<void> {}

  demand(): number {
    return this.#config.concurrency - this.#inFlight;
  }

  async send(message: Message, attempt: number): Promise<SendOutcome> {
    const url =
      this.#config.url ?? (message.to?.kind.case === "url" ? message.to.kind.value : undefined);
    if (!url)
      return {
        kind: "failed",
        error: errorDetail(
          ErrorCode.INVALID_RECIPIENT,
          "no url: set the route's url or the message's to.url",
          { retryable: false },
        ),
      };
    this.#inFlight++;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "hermes-gateway",
          "x-hermes-message-id": message.id,
          "x-hermes-attempt": String(attempt),
          "idempotency-key": message.id,
          ...this.#config.headers,
        },
        body: JSON.stringify(toJson(MessageSchema, message)),
        signal: AbortSignal.timeout(this.#config.timeoutMs),
      });
      const body = (await response.text()).slice(0, 512);
      const outcome = classify(response.status, response.headers.get("retry-after"), body);
      this.#consecutiveFailures =
        outcome.kind === "failed" && outcome.error.retryable ? this.#consecutiveFailures + 1 : 0;
      return outcome;
    } catch (reason) {
      this.#consecutiveFailures++;
      const timedOut = reason instanceof DOMException && reason.name === "TimeoutError";
      const error = timedOut
        ? new HermesError(
            ErrorCode.TIMEOUT,
            `no answer from ${new URL(url).host} within ${this.#config.timeoutMs} ms`,
          )
        : new HermesError(
            ErrorCode.PROVIDER_UNAVAILABLE,
            `cannot reach ${new URL(url).host}: ${causeOf(reason)}`,
          );
      return { kind: "failed", error: error.toDetail() };
    } finally {
      this.#inFlight--;
    }
  }

  health(): AdapterHealth {
    if (this.#consecutiveFailures >= 10)
      return {
        state: RouteState.DEGRADED,
        reason: `${this.#consecutiveFailures} failed requests in a row`,
      };
    return { state: RouteState.UP };
  }

  async stop(): Promise<void> {}
}

function classify(status: number, retryAfter: string | null, body: string): SendOutcome {
  if (status >= 200 && status < 300)
    return { kind: "delivered", detail: { http_status: String(status) } };
  const providerCode = String(status);
  const reason = `endpoint answered ${status}${body ? `: ${body}` : ""}`;
  if (status === 429)
    return {
      kind: "failed",
      error: errorDetail(ErrorCode.THROTTLED, reason, {
        providerCode,
        retryAfterMs: retryAfterMs(retryAfter),
      }),
    };
  if (status === 408 || status >= 500) {
    return {
      kind: "failed",
      error: errorDetail(ErrorCode.PROVIDER_UNAVAILABLE, reason, {
        providerCode,
        retryAfterMs: retryAfterMs(retryAfter),
      }),
    };
  }
  const code =
    status === 401 || status === 403 ? ErrorCode.PROVIDER_AUTH : ErrorCode.PROVIDER_REJECTED;
  return { kind: "failed", error: errorDetail(code, reason, { providerCode, retryable: false }) };
}

/** Retry-After is either seconds or an HTTP date. */
function retryAfterMs(header: string | null): number {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}

function causeOf(reason: unknown): string {
  const cause = (reason as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(reason);
}

/**
 * Builds a webhook route's adapter from its config: url?, headers?, concurrency (16), timeoutMs
 * (10000).
 */
export const createWebhookAdapter: AdapterFactory = (config) => {
  const url = config.url;
  if (url !== undefined && (typeof url !== "string" || !/^https?:\/\//.test(url))) {
    throw new HermesError(ErrorCode.CONFIG_INVALID, "webhook url must be an http(s) URL", {
      field: "config.url",
    });
  }
  const headers = (config.headers ?? {}) as Record<string, string>;
  return new WebhookAdapter({
    url: url as string | undefined,
    headers,
    concurrency: typeof config.concurrency === "number" ? config.concurrency : 16,
    timeoutMs: typeof config.timeoutMs === "number" ? config.timeoutMs : 10_000,
  });
};

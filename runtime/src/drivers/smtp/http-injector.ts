import { ErrorCode, errorDetail } from "../../errors/hermes-error.js";
import type { SendOutcome } from "../../router/adapter.js";
import type { HttpInjectionConfig } from "./config.js";
import type { Mailbox, OutgoingMail } from "./mail-builder.js";

/**
 * Injection through KumoMTA's HTTP API, `POST /api/inject/v1`: KumoMTA
 * builds the MIME message from the parts. Its reply counts successes and
 * failures but carries no spool id, so the Hermes id is the provider id and
 * log records correlate through the Hermes id header the request sets.
 */
export class HttpInjector {
  readonly #config: HttpInjectionConfig;
  readonly #authorization: string | undefined;

  constructor(config: HttpInjectionConfig) {
    this.#config = config;
    this.#authorization = config.auth
      ? `Basic ${Buffer.from(`${config.auth.user}:${config.auth.pass}`).toString("base64")}`
      : undefined;
  }

  async inject(hermesId: string, mail: OutgoingMail): Promise<SendOutcome> {
    const url = `${this.#config.url}/api/inject/v1`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.#authorization ? { authorization: this.#authorization } : {}),
        },
        body: JSON.stringify(injectRequestOf(mail)),
        signal: AbortSignal.timeout(this.#config.timeoutMs),
      });
    } catch (reason) {
      const timedOut = reason instanceof DOMException && reason.name === "TimeoutError";
      const cause = (reason as { cause?: { code?: string; message?: string } }).cause;
      return timedOut
        ? failed(
            ErrorCode.TIMEOUT,
            `KumoMTA's HTTP API did not answer within ${this.#config.timeoutMs} ms (the message may have been injected)`,
            {},
          )
        : failed(
            ErrorCode.PROVIDER_UNAVAILABLE,
            `cannot reach KumoMTA's HTTP API at ${url}: ${cause?.code ?? cause?.message ?? String(reason)}`,
            {},
          );
    }
    const text = (await response.text()).slice(0, 2048);
    const detail = { http_status: String(response.status), injection: "http" };
    if (response.ok) {
      const body = parseJson(text) as
        | { success_count?: number; fail_count?: number; errors?: string[] }
        | undefined;
      if (body?.success_count === 1 && !body.fail_count)
        return { kind: "submitted", providerMessageId: hermesId, detail };
      const reason = body?.errors?.join("; ") || `unexpected reply: ${text}`;
      return failed(
        ErrorCode.PROVIDER_REJECTED,
        `KumoMTA did not inject the message: ${reason}`,
        detail,
        false,
      );
    }
    const reason = `KumoMTA's HTTP API answered ${response.status}${text ? `: ${text.trim()}` : ""}`;
    if (response.status === 429 || response.status >= 500)
      return failed(ErrorCode.PROVIDER_UNAVAILABLE, reason, detail);
    if (response.status === 401 || response.status === 403)
      return failed(ErrorCode.PROVIDER_AUTH, reason, detail, false);
    return failed(ErrorCode.PROVIDER_REJECTED, reason, detail, false);
  }
}

/** The inject request for one message (KumoMTA InjectV1Request with a built Content). */
export function injectRequestOf(mail: OutgoingMail): Record<string, unknown> {
  const content: Record<string, unknown> = {
    subject: mail.subject,
    from: mailboxJson(mail.from),
    headers: mail.headers,
  };
  if (mail.text) content.text_body = mail.text;
  if (mail.html) content.html_body = mail.html;
  if (mail.attachments.length > 0) {
    content.attachments = mail.attachments.map((a) => ({
      data: Buffer.from(a.content).toString("base64"),
      base64: true,
      content_type: a.contentType,
      file_name: a.filename || undefined,
      content_id: a.cid,
    }));
  }
  const recipient: Record<string, unknown> = { email: mail.to.address };
  if (mail.to.name) recipient.name = mail.to.name;
  if (mail.substitutions) recipient.substitutions = mail.substitutions;
  return { envelope_sender: mail.envelopeSender, recipients: [recipient], content };
}

function mailboxJson(mailbox: Mailbox): Record<string, string> {
  return mailbox.name ? { email: mailbox.address, name: mailbox.name } : { email: mailbox.address };
}

function failed(
  code: ErrorCode,
  message: string,
  detail: Record<string, string>,
  retryable?: boolean,
): SendOutcome {
  return {
    kind: "failed",
    error: errorDetail(code, message, retryable === undefined ? {} : { retryable }),
    detail,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

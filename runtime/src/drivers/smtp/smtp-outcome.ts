import { ErrorCode, errorDetail } from "../../errors/hermes-error.js";
import type { SendOutcome } from "../../router/adapter.js";

/** An SMTP reply line split into its parts. */
export interface SmtpReply {
  readonly code: number;
  readonly enhanced?: string;
  readonly text: string;
}

/**
 * "550 5.1.1 no such user" → {550, "5.1.1", "no such user"}; multi-line replies keep their last
 * line's text.
 */
export function parseSmtpReply(raw: string): SmtpReply | undefined {
  const lines = raw.trim().split(/\r?\n/);
  const last = lines[lines.length - 1];
  const match = /^(\d{3})(?:[ -](?:([245]\.\d{1,3}\.\d{1,3})\s+)?(.*))?$/.exec(last.trim());
  if (!match) return undefined;
  return { code: Number(match[1]), enhanced: match[2], text: (match[3] ?? "").trim() };
}

/**
 * KumoMTA's answer to the end of DATA: `250 OK ids=<spool id> [<id>...]`,
 * one spool id per recipient. Hermes sends one recipient per message.
 */
export function spoolIdsOf(reply: string): string[] {
  const match = /\bids=([0-9a-fA-F ]+)/.exec(reply);
  return match
    ? match[1]
        .trim()
        .split(/\s+/)
        .filter((id) => id.length > 0)
    : [];
}

/** The fields nodemailer puts on its errors. */
interface NodemailerError {
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly command?: string;
  readonly message?: string;
}

/** How a failed injection is judged, and whether the connection itself is at fault. */
export interface ClassifiedFailure {
  readonly outcome: Extract<SendOutcome, { kind: "failed" }>;
  /** The connection is unusable (refused, lost, TLS, auth): the session reconnects with backoff. */
  readonly connectionFault: boolean;
}

/**
 * Judges a nodemailer error: a 4xx reply is retryable, a 5xx permanent (with
 * code, enhanced code and text in the error), and anything that is not an
 * SMTP reply about this message (refused, lost, TLS, authentication) is a
 * retryable connection fault.
 */
export function classifySmtpError(reason: unknown): ClassifiedFailure {
  const error = reason as NodemailerError;
  const command = error.command ?? "";
  const reply = error.response ? parseSmtpReply(error.response) : undefined;
  const code = error.responseCode ?? reply?.code;
  if (error.code === "EAUTH" || command.startsWith("AUTH")) {
    const text = error.response ?? error.message ?? "authentication failed";
    const detail = smtpDetail(code, reply, command, text);
    return {
      connectionFault: true,
      outcome: failed(ErrorCode.PROVIDER_AUTH, `KumoMTA refused AUTH PLAIN: ${text}`, detail, {
        retryable: true,
        providerCode: providerCode(code, reply),
      }),
    };
  }
  if (code !== undefined && code >= 400 && error.code !== "ETLS" && error.code !== "ESOCKET") {
    const text = error.response ?? `${code}`;
    const detail = smtpDetail(code, reply, command, text);
    if (command === "CONN" || /^(EHLO|HELO|STARTTLS)/.test(command)) {
      // Refused before any message: "421 4.3.2 ... shutting down", "... load shedding. Try later".
      return {
        connectionFault: true,
        outcome: failed(
          ErrorCode.PROVIDER_UNAVAILABLE,
          `KumoMTA refused the session: ${text}`,
          detail,
          { retryable: true, providerCode: providerCode(code, reply) },
        ),
      };
    }
    const where = command ? ` at ${command}` : "";
    if (code < 500) {
      // 421 means KumoMTA is closing the connection (shutting down, load shedding).
      return {
        connectionFault: code === 421,
        outcome: failed(
          ErrorCode.PROVIDER_UNAVAILABLE,
          `KumoMTA deferred the message${where}: ${text}`,
          detail,
          { providerCode: providerCode(code, reply) },
        ),
      };
    }
    const badAddress = command.startsWith("RCPT") && reply?.enhanced?.startsWith("5.1.");
    return {
      connectionFault: false,
      outcome: failed(
        badAddress ? ErrorCode.INVALID_RECIPIENT : ErrorCode.PROVIDER_REJECTED,
        `KumoMTA rejected the message${where}: ${text}`,
        detail,
        {
          retryable: false,
          providerCode: providerCode(code, reply),
        },
      ),
    };
  }
  const message = error.message ?? String(reason);
  // Nothing reached KumoMTA when the connection could not be made, or the send never left the
  // driver
  // (ENOTSENT); any other loss may have happened after the data, with the outcome unknown.
  const refused =
    /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND/.test(message) ||
    error.code === "EDNS" ||
    error.code === "ENOTSENT";
  const tls = error.code === "ETLS" || /certificate|self[- ]signed|SSL|TLS/i.test(message);
  const codeName = refused ? ErrorCode.PROVIDER_UNAVAILABLE : ErrorCode.CONNECTION_LOST;
  const what = tls
    ? "TLS with KumoMTA failed"
    : refused
      ? "cannot connect to KumoMTA"
      : "the connection to KumoMTA was lost";
  return {
    connectionFault: true,
    outcome: failed(
      codeName,
      `${what}: ${message}`,
      { smtp_error: error.code ?? "unknown" },
      { retryable: true },
    ),
  };
}

function failed(
  code: ErrorCode,
  message: string,
  detail: Record<string, string>,
  options: { retryable?: boolean; providerCode?: string },
): ClassifiedFailure["outcome"] {
  return { kind: "failed", error: errorDetail(code, message, options), detail };
}

function providerCode(code: number | undefined, reply: SmtpReply | undefined): string | undefined {
  if (code === undefined) return undefined;
  return reply?.enhanced ? `${code} ${reply.enhanced}` : String(code);
}

function smtpDetail(
  code: number | undefined,
  reply: SmtpReply | undefined,
  command: string,
  text: string,
): Record<string, string> {
  const detail: Record<string, string> = { smtp_response: text.slice(0, 512) };
  if (code !== undefined) detail.smtp_code = String(code);
  if (reply?.enhanced) detail.smtp_enhanced_code = reply.enhanced;
  if (command) detail.smtp_command = command;
  return detail;
}

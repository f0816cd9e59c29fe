import { Channel, type Address, type Message } from "../gen/hermes/v1/message_pb.js";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";

const e164 = /^\+[1-9][0-9]{6,14}$/;
const alphanumericSender = /^[A-Za-z0-9 ]{1,11}$/;
// A pragmatic RFC 5321 mailbox check with an optional display name.
const mailbox =
  /^(?:[^<>]*<)?[^\s@<>"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+>?$/;

export interface ValidationLimits {
  readonly maxMessageBytes: number;
}

/**
 * Checks a message a caller wants to send, `size` being its encoded length.
 * Throws INVALID_ARGUMENT naming the field at fault (relative to the message,
 * e.g. "to.phone"), before anything is stored.
 */
export function validateMessage(message: Message, size: number, limits: ValidationLimits): void {
  if (message.channel === Channel.UNSPECIFIED || Channel[message.channel] === undefined) {
    throw invalid("channel", "must be one of SMS, EMAIL, PUSH, CHAT, WEBHOOK");
  }
  if (!message.to || message.to.kind.case === undefined) throw invalid("to", "is required");
  validateAddress(message.channel, message.to, "to", false);
  if (message.from && message.from.kind.case !== undefined)
    validateAddress(message.channel, message.from, "from", true);

  const content = message.content;
  const hasBody =
    !!content && (content.text !== "" || content.html !== "" || !!content.template?.name);
  if (!hasBody) throw invalid("content", "needs text, html or a template");
  if (message.channel === Channel.EMAIL && !content.subject && !content.template?.name) {
    throw invalid("content.subject", "is required for email");
  }
  if (message.channel === Channel.SMS && (content.html || content.attachments.length > 0)) {
    throw invalid("content", "SMS carries text only (no html, no attachments)");
  }
  content.attachments.forEach((attachment, i) => {
    if (!attachment.filename) throw invalid(`content.attachments[${i}].filename`, "is required");
  });
  if (message.priority > 9) throw invalid("priority", "must be from 0 to 9");
  if (message.idempotencyKey.length > 256)
    throw invalid("idempotency_key", "must be at most 256 characters");
  for (const [key, value] of Object.entries(message.metadata)) {
    if (key.length === 0 || key.length > 128 || value.length > 1024) {
      throw invalid(
        `metadata[${JSON.stringify(key)}]`,
        "keys are 1-128 characters, values at most 1024",
      );
    }
  }
  if (size > limits.maxMessageBytes) {
    throw invalid("", `message is ${size} bytes, more than the limit of ${limits.maxMessageBytes}`);
  }
}

function validateAddress(channel: Channel, address: Address, field: string, sender: boolean): void {
  const kind = address.kind;
  const expected = expectedAddressKind[channel];
  const at = `${field}.${protoName(kind.case)}`;
  if (kind.case !== expected) {
    throw invalid(at, `a ${Channel[channel]} message needs ${field}.${protoName(expected)}`);
  }
  const value = kind.value ?? "";
  switch (kind.case) {
    case "phone":
      if (!e164.test(value) && !(sender && alphanumericSender.test(value))) {
        throw invalid(
          at,
          sender
            ? "must be E.164 (+447700900123) or an alphanumeric sender of up to 11 characters"
            : "must be E.164, e.g. +447700900123",
        );
      }
      return;
    case "email":
      if (!mailbox.test(value) || value.length > 320)
        throw invalid(at, "must be an email address, e.g. ann@example.com");
      return;
    case "url": {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== "https:" && url.protocol !== "http:"))
        throw invalid(at, "must be an absolute http(s) URL");
      return;
    }
    default:
      if (value.length === 0 || value.length > 4096) throw invalid(at, "must be 1-4096 characters");
  }
}

const expectedAddressKind: Record<Channel, Address["kind"]["case"]> = {
  [Channel.UNSPECIFIED]: undefined,
  [Channel.SMS]: "phone",
  [Channel.EMAIL]: "email",
  [Channel.PUSH]: "deviceToken",
  [Channel.CHAT]: "chatId",
  [Channel.WEBHOOK]: "url",
};

/** The .proto spelling of a field, as callers see it in errors. */
function protoName(field: string | undefined): string {
  return (field ?? "").replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function invalid(field: string, reason: string): HermesError {
  return new HermesError(ErrorCode.INVALID_ARGUMENT, field ? `${field} ${reason}` : reason, {
    field,
  });
}

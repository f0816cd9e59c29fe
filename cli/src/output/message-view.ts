import { ux } from "@oclif/core";
import {
  MessageStatus,
  type Address,
  type DeliveryEvent,
  type Message,
} from "@hermes/runtime/contracts";
import { channelName, describeError, eventKindName, isoTime, statusName } from "./names.js";

/** A status word coloured by outcome: green delivered, red failed, yellow on the way. */
export function coloredStatus(status: MessageStatus): string {
  const name = statusName(status);
  switch (status) {
    case MessageStatus.DELIVERED:
      return ux.colorize("green", name);
    case MessageStatus.FAILED:
    case MessageStatus.EXPIRED:
    case MessageStatus.REJECTED:
      return ux.colorize("red", name);
    default:
      return ux.colorize("yellow", name);
  }
}

export function addressText(address: Address | undefined): string {
  return address?.kind.value ?? "";
}

/** The `hermes status` card: one fact per line. */
export function messageCard(message: Message): string {
  const facts: [string, string][] = [
    ["channel", message.cascade ? "cascade (below)" : channelName(message.channel)],
    ["to", addressText(message.to)],
    ["from", addressText(message.from)],
    ["route", message.route],
    ["attempts", String(message.attempts)],
    ["provider id", message.providerMessageId],
    ["created", isoTime(message.createdAt)],
    ["updated", isoTime(message.updatedAt)],
    ["expires", isoTime(message.expiresAt)],
    ["goes at", isoTime(message.nextAttemptAt)],
    ["idempotency", message.idempotencyKey],
    [
      "metadata",
      Object.entries(message.metadata)
        .map(([k, v]) => `${k}=${v}`)
        .join(" "),
    ],
    ["error", message.error ? describeError(message.error) : ""],
  ];
  const shown = facts.filter(([, value]) => value !== "");
  const width = Math.max(...shown.map(([name]) => name.length));
  return [
    `${ux.colorize("bold", message.id)}  ${coloredStatus(message.status)}`,
    ...shown.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
  ].join("\n");
}

/** One event per line, for `hermes watch` and histories. */
export function eventLine(event: DeliveryEvent): string {
  const detail = [
    event.error && describeError(event.error),
    event.providerMessageId && `provider=${event.providerMessageId}`,
    event.text && `text=${JSON.stringify(event.text)}`,
    ...Object.entries(event.detail).map(([k, v]) => `${k}=${v}`),
  ].filter(Boolean);
  return [
    ux.colorize("dim", `#${event.sequence}`),
    isoTime(event.time),
    event.messageId,
    channelName(event.channel),
    eventKindName(event.kind).padEnd(10),
    coloredStatus(event.status),
    ...detail,
  ].join("  ");
}

import {
  Channel,
  MessageStatus,
  DeliveryEventKind,
  ErrorCode,
  type Error as ErrorDetail,
} from "@hermes/runtime/contracts";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

/** Channels by the name the CLI accepts and prints (`sms`, `email`…). */
export const channelNames = ["sms", "email", "push", "chat", "webhook"] as const;
export type ChannelName = (typeof channelNames)[number];

export function channelOf(name: ChannelName): Channel {
  return Channel[name.toUpperCase() as keyof typeof Channel];
}

export function channelName(channel: Channel): string {
  return Channel[channel]?.toLowerCase() ?? String(channel);
}

/** Statuses by the name the CLI accepts and prints (`delivered`…). */
export const statusNames = [
  "accepted",
  "queued",
  "submitted",
  "delivered",
  "failed",
  "expired",
  "rejected",
] as const;
export type StatusName = (typeof statusNames)[number];

export function statusOf(name: StatusName): MessageStatus {
  return MessageStatus[name.toUpperCase() as keyof typeof MessageStatus];
}

export function statusName(status: MessageStatus): string {
  return MessageStatus[status]?.toLowerCase() ?? String(status);
}

export function eventKindName(kind: DeliveryEventKind): string {
  return DeliveryEventKind[kind]?.toLowerCase() ?? String(kind);
}

/** `[provider_rejected] unknown subscriber (provider 0x0B, retryable)`. */
export function describeError(error: ErrorDetail): string {
  const extras = [
    error.field && `field ${error.field}`,
    error.providerCode && `provider ${error.providerCode}`,
    error.retryable && "retryable",
  ].filter(Boolean);
  return `[${ErrorCode[error.code]?.toLowerCase() ?? error.code}] ${error.message.trim()}${extras.length ? ` (${extras.join(", ")})` : ""}`;
}

export function isoTime(time: Timestamp | undefined): string {
  return time ? timestampDate(time).toISOString() : "";
}

/** `1h 2m 3s` */
export function duration(totalSeconds: number): string {
  const parts: string[] = [];
  const units: [number, string][] = [
    [86_400, "d"],
    [3600, "h"],
    [60, "m"],
  ];
  let rest = Math.floor(totalSeconds);
  for (const [size, unit] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  parts.push(`${rest}s`);
  return parts.join(" ");
}

import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import type { Address, Message } from "../gen/hermes/v1/message_pb.js";
import { type QuietHours, quietUntil } from "./quiet-hours.js";
import { isTimeZone, zoneOfPhone } from "./time-zones.js";

/** When a message sent for later goes, and why it waits (the detail of its first event). */
export interface SendPlan {
  readonly at: number;
  readonly detail: Readonly<Record<string, string>>;
}

/** How far ahead send_at may be. */
export const maxAheadMs = 366 * 86_400_000;

/**
 * When a message may leave: not before its send_at, and not inside the
 * tenant's quiet hours (for the channels they cover, unless the message
 * ignores them) in the recipient's time zone, which is the message's
 * time_zone, else its number's country's only zone, else the quiet hours'
 * default zone; with no zone known the quiet hours cannot apply. Undefined:
 * at once. Throws INVALID_ARGUMENT for a send_at too far ahead or after the
 * message's expiry, and for a time_zone ICU does not know.
 */
export function planSend(
  message: Message,
  quiet: QuietHours | undefined,
  now: number,
): SendPlan | undefined {
  if (message.timeZone && !isTimeZone(message.timeZone))
    throw invalid(
      "time_zone",
      `is not an IANA time zone (e.g. "Europe/Paris"): ${message.timeZone}`,
    );
  let at = now;
  let reason = "";
  if (message.sendAt) {
    const sendAt = timestampMs(message.sendAt);
    if (sendAt > now + maxAheadMs) throw invalid("send_at", "may be at most 366 days ahead");
    if (message.expiresAt && sendAt >= timestampMs(message.expiresAt))
      throw invalid("send_at", "must be before expires_at");
    if (sendAt > now) {
      at = sendAt;
      reason = "send_at";
    }
  }
  let zone: string | undefined;
  if (
    quiet &&
    !message.ignoreQuietHours &&
    (quiet.channels.length === 0 || quiet.channels.includes(message.channel))
  ) {
    zone = message.timeZone || zoneOfAddress(message.to) || quiet.timeZone;
    const until = zone === undefined ? undefined : quietUntil(quiet, zone, at);
    if (until !== undefined) {
      at = until;
      reason = "quiet_hours";
    }
  }
  if (at <= now) return undefined;
  return { at, detail: zone ? { scheduled: reason, time_zone: zone } : { scheduled: reason } };
}

/** A phone number's zone; chat ids that are phone numbers (WhatsApp's) count too. */
function zoneOfAddress(to: Address | undefined): string | undefined {
  const value = to?.kind.value;
  if (!value) return undefined;
  if (to.kind.case === "phone") return zoneOfPhone(value);
  if (to.kind.case === "chatId" && /^\+?[0-9]{7,15}$/.test(value))
    return zoneOfPhone(value.startsWith("+") ? value : `+${value}`);
  return undefined;
}

function invalid(field: string, reason: string): HermesError {
  return new HermesError(ErrorCode.INVALID_ARGUMENT, `${field} ${reason}`, { field });
}

import type { Message } from "../gen/hermes/v1/message_pb.js";
import type { CorrelationCandidate } from "../store/message-store.js";

/** Which message a report belongs to, or why it belongs to none. */
export type ReportMatch =
  | { readonly kind: "matched"; readonly candidate: CorrelationCandidate }
  | { readonly kind: "unmatched"; readonly reason: "unknown_id" | "other_address" | "ambiguous" };

/**
 * The rule that finds the message a provider report is about, among the
 * messages its provider id was given to (newest first; carriers reuse ids,
 * for example after an SMSC restart). When the report says which address it
 * is about (an SMPP receipt's source address is the original destination),
 * only messages sent to that address qualify, and the most recent submission
 * of the id wins. Without an address, the id alone decides only when at most
 * one of its messages still waits for a report; two or more waiting is
 * ambiguous, and an ambiguous report is never applied to a guess. An address
 * the store does not know ("", rows from before addresses were kept)
 * matches any.
 */
export function matchReport(
  candidates: readonly CorrelationCandidate[],
  address: string | undefined,
): ReportMatch {
  if (candidates.length === 0) return { kind: "unmatched", reason: "unknown_id" };
  if (address) {
    const wanted = canonicalAddress(address);
    const found = candidates.find((c) => c.address === "" || c.address === wanted);
    return found
      ? { kind: "matched", candidate: found }
      : { kind: "unmatched", reason: "other_address" };
  }
  const waiting = candidates.filter((c) => c.waiting);
  if (waiting.length > 1) return { kind: "unmatched", reason: "ambiguous" };
  return { kind: "matched", candidate: waiting[0] ?? candidates[0]! };
}

/**
 * An address as reports give it back: a phone number by its digits (SMSCs
 * drop the "+" and the TON), anything else trimmed and in lower case.
 */
export function canonicalAddress(address: string): string {
  const trimmed = address.trim();
  if (/^\+?[0-9][0-9 ()-]*$/.test(trimmed)) return trimmed.replace(/[^0-9]/g, "");
  return trimmed.toLowerCase();
}

/** The address a message went to, in the form reports are compared (and recipients looked up) in. */
export function recipientOf(message: Message): string {
  return canonicalAddress(message.to?.kind.value ?? "");
}

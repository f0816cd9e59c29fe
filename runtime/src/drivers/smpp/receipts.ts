import { DeliveryEventKind, MessageStatus } from "../../gen/hermes/v1/message_pb.js";
import { ErrorCode, errorDetail, type ErrorDetail } from "../../errors/hermes-error.js";

/** How a carrier writes message ids: as opaque text, or as a hex or decimal number. */
export type IdFormat = "string" | "hex" | "decimal";

/**
 * Puts a carrier message id in one canonical form so that the id of a
 * submit_sm_resp and the id in its receipt compare equal. Carriers differ:
 * some answer submit_sm with a hex id and report a decimal one. A numeric id
 * is parsed in the format it came in and written in the submit_sm_resp's
 * format (hex in lower case, no leading zeros); "string" ids are only trimmed.
 */
export function normalizeId(raw: string, format: IdFormat, canonical: IdFormat): string {
  const id = raw.trim();
  if (format === "string" && canonical === "string") return id;
  let value: bigint;
  try {
    if (format === "hex") {
      if (!/^[0-9a-f]+$/i.test(id)) return id;
      value = BigInt(`0x${id}`);
    } else {
      if (!/^[0-9]+$/.test(id)) return id;
      value = BigInt(id);
    }
  } catch {
    return id;
  }
  return canonical === "hex" ? value.toString(16) : value.toString(10);
}

/** A delivery receipt as the SMSC wrote it (text and/or TLVs). */
export interface Receipt {
  readonly id?: string;
  /** From the TLV receipted_message_id (in the submit_sm_resp's id format). */
  readonly tlvId?: string;
  readonly stat: string;
  readonly err?: string;
  readonly submitDate?: Date;
  readonly doneDate?: Date;
  readonly sub?: string;
  readonly dlvrd?: string;
  readonly text?: string;
}

// message_state TLV values (SMPP 3.4 5.2.28) by their receipt stat names.
export const messageStates: Readonly<Record<number, string>> = {
  1: "ENROUTE",
  2: "DELIVRD",
  3: "EXPIRED",
  4: "DELETED",
  5: "UNDELIV",
  6: "ACCEPTD",
  7: "UNKNOWN",
  8: "REJECTD",
  9: "SKIPPED",
};

function field(text: string, pattern: RegExp): string | undefined {
  return pattern.exec(text)?.[1];
}

/** "YYMMDDhhmm" or "YYMMDDhhmmss", read as UTC. */
function receiptDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(value);
  if (!m) return undefined;
  const date = new Date(
    Date.UTC(
      2000 + Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6] ?? 0),
    ),
  );
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Reads a receipt from a deliver_sm: the text form of SMPP 3.4 Appendix B
 * (`id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`,
 * keys in any case, missing fields tolerated) and the TLVs
 * receipted_message_id / message_state / network_error_code, which win when
 * both are present. Undefined when neither gives an id and a state.
 */
export function parseReceipt(
  text: string,
  tlvs: { receipted_message_id?: unknown; message_state?: unknown; network_error_code?: unknown },
): Receipt | undefined {
  const tlvId =
    typeof tlvs.receipted_message_id === "string" && tlvs.receipted_message_id.trim()
      ? tlvs.receipted_message_id.trim()
      : undefined;
  const tlvState =
    typeof tlvs.message_state === "number" ? messageStates[tlvs.message_state] : undefined;
  const id = field(text, /(?:^|\s)id:\s*(\S+)/i);
  const stat = tlvState ?? field(text, /\bstat:\s*([A-Za-z]+)/i)?.toUpperCase();
  if ((!id && !tlvId) || !stat) return undefined;
  return {
    id,
    tlvId,
    stat,
    err: field(text, /\berr:\s*(\S+)/i) ?? networkErrorCode(tlvs.network_error_code),
    submitDate: receiptDate(field(text, /\bsubmit[ _]date:\s*(\d+)/i)),
    doneDate: receiptDate(field(text, /\bdone[ _]date:\s*(\d+)/i)),
    sub: field(text, /\bsub:\s*(\S+)/i),
    dlvrd: field(text, /\bdlvrd:\s*(\S+)/i),
    text: field(text, /\btext:(.*)$/is),
  };
}

/** network_error_code TLV: network type (1 ANSI-136, 2 IS-95, 3 GSM...) and a 16-bit code. */
function networkErrorCode(value: unknown): string | undefined {
  if (!Buffer.isBuffer(value) || value.length < 3) return undefined;
  return `${value[0]}:${value.readUInt16BE(1)}`;
}

/** What a receipt's stat means for the Hermes message. */
export interface ReceiptMeaning {
  readonly kind: DeliveryEventKind;
  readonly status?: MessageStatus;
  readonly error?: ErrorDetail;
}

/** Maps a receipt's stat onto a Hermes event (see the table in docs/smpp.md). */
export function meaningOf(receipt: Receipt): ReceiptMeaning {
  const providerCode = receipt.err ?? "";
  const why = `carrier reported ${receipt.stat}${receipt.err ? ` (err ${receipt.err})` : ""}`;
  switch (receipt.stat) {
    case "DELIVRD":
      return { kind: DeliveryEventKind.STATUS, status: MessageStatus.DELIVERED };
    case "EXPIRED":
      return {
        kind: DeliveryEventKind.STATUS,
        status: MessageStatus.EXPIRED,
        error: errorDetail(ErrorCode.EXPIRED, why, { providerCode, retryable: false }),
      };
    case "UNDELIV":
    case "REJECTD":
    case "DELETED":
    case "SKIPPED":
      return {
        kind: DeliveryEventKind.STATUS,
        status: MessageStatus.FAILED,
        error: errorDetail(ErrorCode.PROVIDER_REJECTED, why, { providerCode, retryable: false }),
      };
    default: // ENROUTE, ACCEPTD, UNKNOWN and anything non-standard: not final
      return { kind: DeliveryEventKind.PROGRESS };
  }
}

/** Receipt fields worth keeping on the event's detail. */
export function receiptDetail(receipt: Receipt): Record<string, string> {
  const detail: Record<string, string> = { smpp_stat: receipt.stat };
  if (receipt.err) detail.smpp_err = receipt.err;
  if (receipt.doneDate) detail.done_date = receipt.doneDate.toISOString();
  if (receipt.submitDate) detail.submit_date = receipt.submitDate.toISOString();
  if (receipt.dlvrd) detail.dlvrd = receipt.dlvrd;
  return detail;
}

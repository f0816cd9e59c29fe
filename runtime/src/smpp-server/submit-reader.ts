import { type Concatenation, concatenationOf } from "../drivers/smpp/inbound-parts.js";
import type { DataSm, SubmitSm } from "../drivers/smpp/pdu-types.js";
import { decodeText, encodeText, splitUserData } from "../drivers/smpp/sms-encoding.js";
import type { WireAddress } from "./server-store.js";
import { serverStatus } from "./status.js";

/** A submit_sm or data_sm as a message to accept: addresses, text and flags. */
export interface SubmitRequest {
  /** E.164, "+" first. */
  readonly to: string;
  /** E.164, a short code or an alphanumeric sender; undefined: the route's sender. */
  readonly from: string | undefined;
  readonly source: WireAddress;
  readonly destination: WireAddress;
  readonly text: string;
  readonly registeredDelivery: number;
  /** Hermes priority 0-9 from priority_flag 0-3. */
  readonly priority: number;
  /** Set when this is one part of a concatenated message (UDH or SAR). */
  readonly part: Concatenation | undefined;
  /** SMS parts it counts as against the account's throughput. */
  readonly parts: number;
}

export type SubmitReading =
  | { readonly ok: true; readonly request: SubmitRequest }
  | { readonly ok: false; readonly status: number; readonly reason: string };

const refuse = (status: number, reason: string): SubmitReading => ({ ok: false, status, reason });

// Parts a message_payload text would take, as the driver would split it for a carrier.
const partCounting = {
  alphabet: "gsm7",
  gsmDataCoding: 0,
  longMessage: "udh",
  udhReference: 8,
  maxParts: 255,
} as const;

/**
 * Reads what an ESME submitted. Refuses, with the status a client expects
 * and before anything is stored: a data_coding that is not text
 * (ESME_RINVDCS), a destination that is not an international or unknown-TON
 * number (ESME_RINVDSTTON, ESME_RINVDSTNPI, ESME_RINVDSTADR), an empty text,
 * short_message and message_payload both, or UCS2 of an odd length
 * (ESME_RINVMSGLEN), and a priority_flag above 3 (ESME_RINVPRTFLG).
 */
export function readSubmit(pdu: SubmitSm | DataSm): SubmitReading {
  const dataCoding = pdu.data_coding;
  // 0 SMSC default (GSM), 1 IA5, 3 Latin-1, 8 UCS2, and GSM with a message class (0xF0-0xF3).
  if (![0x00, 0x01, 0x03, 0x08].includes(dataCoding) && (dataCoding & 0xfc) !== 0xf0)
    return refuse(serverStatus.invalidDataCoding, `data_coding 0x${dataCoding.toString(16)}`);
  if (pdu.dest_addr_ton !== 0 && pdu.dest_addr_ton !== 1)
    return refuse(serverStatus.invalidDestinationTon, `dest_addr_ton ${pdu.dest_addr_ton}`);
  if (pdu.dest_addr_npi !== 0 && pdu.dest_addr_npi !== 1)
    return refuse(serverStatus.invalidDestinationNpi, `dest_addr_npi ${pdu.dest_addr_npi}`);
  if (!/^\+?[0-9]{1,20}$/.test(pdu.destination_addr))
    return refuse(serverStatus.invalidDestinationAddress, "destination_addr is not a number");
  const priority = pdu.command === "submit_sm" ? pdu.priority_flag : 0;
  if (priority > 3) return refuse(serverStatus.invalidPriority, `priority_flag ${priority}`);

  const shortMessage = pdu.command === "submit_sm" ? pdu.short_message : Buffer.alloc(0);
  const payload = pdu.message_payload;
  if (shortMessage.length > 0 && payload && payload.length > 0)
    return refuse(serverStatus.invalidMessageLength, "short_message and message_payload both");
  const { udh, message } = splitUserData(payload ?? shortMessage, pdu.esm_class);
  if (dataCoding === 0x08 && message.length % 2 === 1)
    return refuse(serverStatus.invalidMessageLength, "UCS2 text of an odd number of octets");
  // 0xF0-0xF3 are GSM 03.38 with a message class: decoded as data_coding 0.
  const text = decodeText(message, (dataCoding & 0xfc) === 0xf0 ? 0x00 : dataCoding);
  if (text.length === 0) return refuse(serverStatus.invalidMessageLength, "no text");

  const part = concatenationOf(udh, {
    ref: pdu.sar_msg_ref_num,
    total: pdu.sar_total_segments,
    seq: pdu.sar_segment_seqnum,
  });
  let parts = 1;
  if (!part && payload) {
    try {
      parts = encodeText(text, partCounting, () => 0).parts.length;
    } catch {
      return refuse(serverStatus.invalidMessageLength, "message_payload over 255 SMS parts");
    }
  }
  return {
    ok: true,
    request: {
      to: `+${pdu.destination_addr.replace(/^\+/, "")}`,
      from: senderOf(pdu.source_addr, pdu.source_addr_ton),
      source: { ton: pdu.source_addr_ton, npi: pdu.source_addr_npi, addr: pdu.source_addr },
      destination: { ton: pdu.dest_addr_ton, npi: pdu.dest_addr_npi, addr: pdu.destination_addr },
      text,
      registeredDelivery: pdu.registered_delivery,
      priority: priority * 3,
      part,
      parts,
    },
  };
}

/**
 * The sender in Hermes's form: an international number (TON 1, or a long
 * number of unknown TON) gets its "+", a short code or an alphanumeric
 * sender stays as it is; the route's validation judges it.
 */
function senderOf(addr: string, ton: number): string | undefined {
  if (addr === "") return undefined;
  const digits = /^\+?[0-9]+$/.test(addr);
  if (digits && (ton === 1 || (ton === 0 && addr.replace(/^\+/, "").length > 8)))
    return `+${addr.replace(/^\+/, "")}`;
  return addr;
}

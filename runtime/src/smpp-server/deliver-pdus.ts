import { sourceAddress } from "../drivers/smpp/addresses.js";
import { encodePdu } from "../drivers/smpp/pdu-codec.js";
import type { DeliverSm } from "../drivers/smpp/pdu-types.js";
import { messageStates } from "../drivers/smpp/receipts.js";
import { encodeText } from "../drivers/smpp/sms-encoding.js";
import type { ErrorDetail } from "../errors/hermes-error.js";
import { MessageStatus } from "../gen/hermes/v1/message_pb.js";
import type { WireAddress } from "./server-store.js";

// esm_class message type: SMSC delivery receipt (SMPP 3.4 5.2.12).
const esmClassReceipt = 0x04;

/** The stat a final status is reported with, as carriers write it. */
const statOf: Partial<Record<MessageStatus, string>> = {
  [MessageStatus.DELIVERED]: "DELIVRD",
  [MessageStatus.EXPIRED]: "EXPIRED",
  [MessageStatus.FAILED]: "UNDELIV",
  [MessageStatus.REJECTED]: "REJECTD",
};

/** message_state values by stat name: the driver's table (receipts.ts), read the other way. */
const stateOf = new Map(
  Object.entries(messageStates).map(([state, stat]) => [stat, Number(state)]),
);

/**
 * Whether registered_delivery asks for a receipt of this final status: bits
 * 0-1 are 1 for any final outcome, 2 for a failure only, and (as SMPP 5.0
 * defines the value 3.4 reserved) 3 for success only.
 */
export function wantsReceipt(registeredDelivery: number, status: MessageStatus): boolean {
  const delivered = status === MessageStatus.DELIVERED;
  switch (registeredDelivery & 0x03) {
    case 1:
      return true;
    case 2:
      return !delivered;
    case 3:
      return delivered;
    default:
      return false;
  }
}

/** What a receipt reports. */
export interface ReceiptFacts {
  /** The id the ESME was answered with (the message's, or an earlier part's). */
  readonly id: string;
  /** The submit's addresses: the receipt comes from its destination to its source. */
  readonly source: WireAddress;
  readonly destination: WireAddress;
  readonly submittedAt: number;
  readonly doneAt: number;
  readonly status: MessageStatus;
  readonly error?: ErrorDetail;
}

/**
 * A delivery receipt as an SMSC sends one: esm_class 0x04, the text form of
 * SMPP 3.4 Appendix B (`id:… sub:001 dlvrd:… submit date:… done date:…
 * stat:… err:… text:`), which the driver's own parser reads back, and the
 * TLVs receipted_message_id and message_state. `err` is the provider's code
 * when it is a number of up to three digits, else 000.
 */
export function receiptPdu(facts: ReceiptFacts): Buffer {
  const stat = statOf[facts.status] ?? "UNKNOWN";
  const code = facts.error?.providerCode ?? "";
  const err = /^[0-9]{1,3}$/.test(code) ? code.padStart(3, "0") : "000";
  const dlvrd = facts.status === MessageStatus.DELIVERED ? "001" : "000";
  const text = `id:${facts.id} sub:001 dlvrd:${dlvrd} submit date:${receiptDate(facts.submittedAt)} done date:${receiptDate(facts.doneAt)} stat:${stat} err:${err} text:`;
  return encodePdu({
    ...deliverEnvelope(facts.destination, facts.source),
    esm_class: esmClassReceipt,
    data_coding: 0,
    short_message: Buffer.from(text, "latin1"),
    receipted_message_id: facts.id,
    message_state: stateOf.get(stat) ?? 7,
  });
}

/** An MO message for an account. */
export interface MoFacts {
  readonly from: string;
  readonly to: string;
  readonly text: string;
}

/**
 * An MO message as deliver_sm: GSM 03.38 when the text allows, else UCS2;
 * a text longer than one SMS is split with a concatenation UDH, one
 * deliver_sm per part, in order. `nextReference` numbers concatenations.
 */
export function moPdus(mo: MoFacts, nextReference: () => number): Buffer[] {
  const encoded = encodeText(
    mo.text,
    { alphabet: "gsm7", gsmDataCoding: 0, longMessage: "udh", udhReference: 8, maxParts: 255 },
    nextReference,
  );
  const envelope = deliverEnvelope(sourceAddress(mo.from, {}), sourceAddress(mo.to, {}));
  return encoded.parts.map((part) =>
    encodePdu({
      ...envelope,
      esm_class: part.esmClass,
      data_coding: encoded.dataCoding,
      short_message: part.shortMessage,
    }),
  );
}

function deliverEnvelope(
  from: WireAddress,
  to: WireAddress,
): Omit<DeliverSm, "esm_class" | "data_coding" | "short_message"> {
  return {
    command: "deliver_sm",
    command_status: 0,
    sequence_number: 0, // the connection numbers each write
    service_type: "",
    source_addr_ton: from.ton,
    source_addr_npi: from.npi,
    source_addr: from.addr,
    dest_addr_ton: to.ton,
    dest_addr_npi: to.npi,
    destination_addr: to.addr,
    protocol_id: 0,
    priority_flag: 0,
    schedule_delivery_time: "",
    validity_period: "",
    registered_delivery: 0,
    replace_if_present_flag: 0,
    sm_default_msg_id: 0,
  };
}

/** YYMMDDhhmm, UTC, as receipts carry dates. */
function receiptDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\D/g, "").slice(2, 12);
}

import type { Tlvs } from "./pdu-fields.js";

/**
 * The commands on the message path, which pdu-codec.ts encodes and
 * decodes directly on Buffers: npm `smpp`'s generic codec costs about ten
 * times as much a PDU. Every other command (binds, unbind, ...) still goes
 * through `smpp`. Fields keep their SMPP 3.4 names, so they read against
 * the specification.
 */
export const hotCommandIds = {
  generic_nack: 0x80000000,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;
export type HotCommand = keyof typeof hotCommandIds;

const hotCommandNames = new Map<number, HotCommand>(
  Object.entries(hotCommandIds).map(([name, id]) => [id, name as HotCommand]),
);

/** The hot command with this command_id, if it is one. */
export function hotCommandOf(commandId: number): HotCommand | undefined {
  return hotCommandNames.get(commandId);
}

export const headerBytes = 16;

interface Header<C extends HotCommand> {
  readonly command: C;
  readonly command_status: number;
  readonly sequence_number: number;
}

/**
 * The body submit_sm and deliver_sm share (SMPP 3.4 4.4.1, 4.6.1); short_message is octets, UDH
 * included.
 */
export interface ShortMessageBody extends Tlvs {
  readonly service_type: string;
  readonly source_addr_ton: number;
  readonly source_addr_npi: number;
  readonly source_addr: string;
  readonly dest_addr_ton: number;
  readonly dest_addr_npi: number;
  readonly destination_addr: string;
  readonly esm_class: number;
  readonly protocol_id: number;
  readonly priority_flag: number;
  readonly schedule_delivery_time: string;
  readonly validity_period: string;
  readonly registered_delivery: number;
  readonly replace_if_present_flag: number;
  readonly data_coding: number;
  readonly sm_default_msg_id: number;
  readonly short_message: Buffer;
}

/**
 * data_sm's body (SMPP 3.4 4.7.1): the addresses and flags; the text travels in message_payload.
 */
export interface DataSmBody extends Tlvs {
  readonly service_type: string;
  readonly source_addr_ton: number;
  readonly source_addr_npi: number;
  readonly source_addr: string;
  readonly dest_addr_ton: number;
  readonly dest_addr_npi: number;
  readonly destination_addr: string;
  readonly esm_class: number;
  readonly registered_delivery: number;
  readonly data_coding: number;
}

export interface SubmitSm extends Header<"submit_sm">, ShortMessageBody {}
export interface DeliverSm extends Header<"deliver_sm">, ShortMessageBody {}
export interface DataSm extends Header<"data_sm">, DataSmBody {}
/** A response carrying a message_id ("" when an error response has no body). */
export interface MessageResp
  extends Header<"submit_sm_resp" | "deliver_sm_resp" | "data_sm_resp">,
    Tlvs {
  readonly message_id: string;
}
export interface EnquireLink extends Header<"enquire_link"> {}
export interface EmptyResp extends Header<"enquire_link_resp" | "generic_nack"> {}

export type HotRequest = SubmitSm | DeliverSm | DataSm | EnquireLink;
export type HotResponse = MessageResp | EmptyResp;
export type HotPdu = HotRequest | HotResponse;

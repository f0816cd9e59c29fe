import { codecError, cstringSize, PduReader, PduWriter, tlvsSize } from "./pdu-fields.js";
import {
  headerBytes,
  hotCommandIds,
  hotCommandOf,
  type DataSm,
  type DataSmBody,
  type DeliverSm,
  type HotPdu,
  type HotRequest,
  type HotResponse,
  type MessageResp,
  type SubmitSm,
} from "./pdu-types.js";

/** The answer to a request: `message_id` goes in a submit_sm_resp, "" elsewhere. */
export function responseTo(request: HotRequest, command_status = 0, message_id = ""): HotResponse {
  const sequence_number = request.sequence_number;
  if (request.command === "enquire_link")
    return { command: "enquire_link_resp", command_status, sequence_number };
  return { command: `${request.command}_resp`, command_status, sequence_number, message_id };
}

// SMPP 3.4 5.2.22: sm_length is 0..254.
const maxShortMessage = 254;

/**
 * Decodes one whole PDU (`bytes` is exactly command_length long) of a hot
 * command. Throws a HermesError naming the command and field when the body
 * is short, a C-Octet String has no NUL, a length points past the PDU, a
 * TLV overruns it, or octets are left over. Buffers in the result are views
 * of `bytes`.
 */
export function decodePdu(bytes: Buffer): HotPdu {
  if (bytes.length < headerBytes) throw codecError("PDU", `${bytes.length} octets, no header`);
  const length = bytes.readUInt32BE(0);
  const commandId = bytes.readUInt32BE(4);
  const command = hotCommandOf(commandId);
  if (!command)
    throw codecError("PDU", `command_id 0x${commandId.toString(16)} is not decoded here`);
  if (length !== bytes.length)
    throw codecError(command, `command_length ${length} but ${bytes.length} octets`);
  const command_status = bytes.readUInt32BE(8);
  const sequence_number = bytes.readUInt32BE(12);
  const r = new PduReader(bytes, command, headerBytes);
  switch (command) {
    case "submit_sm":
    case "deliver_sm":
      return readShortMessage(r, command, command_status, sequence_number);
    case "data_sm":
      return readDataSm(r, command_status, sequence_number);
    case "submit_sm_resp":
    case "deliver_sm_resp":
    case "data_sm_resp":
      // An error response has no body (SMPP 3.4 4.4.2); what some SMSCs pad it with is not read.
      if (command_status !== 0 || r.left === 0)
        return { command, command_status, sequence_number, message_id: "" };
      return {
        command,
        command_status,
        sequence_number,
        message_id: r.cstring("message_id"),
        ...r.tlvs(),
      };
    default:
      if (r.left > 0) throw codecError(command, `${r.left} octets of body, it has none`);
      return { command, command_status, sequence_number };
  }
}

function readShortMessage(
  r: PduReader,
  command: "submit_sm" | "deliver_sm",
  command_status: number,
  sequence_number: number,
): SubmitSm | DeliverSm {
  const service_type = r.cstring("service_type");
  const source_addr_ton = r.u8("source_addr_ton");
  const source_addr_npi = r.u8("source_addr_npi");
  const source_addr = r.cstring("source_addr");
  const dest_addr_ton = r.u8("dest_addr_ton");
  const dest_addr_npi = r.u8("dest_addr_npi");
  const destination_addr = r.cstring("destination_addr");
  const esm_class = r.u8("esm_class");
  const protocol_id = r.u8("protocol_id");
  const priority_flag = r.u8("priority_flag");
  const schedule_delivery_time = r.cstring("schedule_delivery_time");
  const validity_period = r.cstring("validity_period");
  const registered_delivery = r.u8("registered_delivery");
  const replace_if_present_flag = r.u8("replace_if_present_flag");
  const data_coding = r.u8("data_coding");
  const sm_default_msg_id = r.u8("sm_default_msg_id");
  const short_message = r.octets("short_message (sm_length)", r.u8("sm_length"));
  return {
    command,
    command_status,
    sequence_number,
    service_type,
    source_addr_ton,
    source_addr_npi,
    source_addr,
    dest_addr_ton,
    dest_addr_npi,
    destination_addr,
    esm_class,
    protocol_id,
    priority_flag,
    schedule_delivery_time,
    validity_period,
    registered_delivery,
    replace_if_present_flag,
    data_coding,
    sm_default_msg_id,
    short_message,
    ...r.tlvs(),
  };
}

function readDataSm(r: PduReader, command_status: number, sequence_number: number): DataSm {
  const service_type = r.cstring("service_type");
  const source_addr_ton = r.u8("source_addr_ton");
  const source_addr_npi = r.u8("source_addr_npi");
  const source_addr = r.cstring("source_addr");
  const dest_addr_ton = r.u8("dest_addr_ton");
  const dest_addr_npi = r.u8("dest_addr_npi");
  const destination_addr = r.cstring("destination_addr");
  const esm_class = r.u8("esm_class");
  const registered_delivery = r.u8("registered_delivery");
  const data_coding = r.u8("data_coding");
  return {
    command: "data_sm",
    command_status,
    sequence_number,
    service_type,
    source_addr_ton,
    source_addr_npi,
    source_addr,
    dest_addr_ton,
    dest_addr_npi,
    destination_addr,
    esm_class,
    registered_delivery,
    data_coding,
    ...r.tlvs(),
  };
}

/**
 * Encodes a hot PDU, byte for byte as npm `smpp` does: an error response is
 * the header alone, a request or an OK response has its whole body. Throws
 * a HermesError when a value does not fit its field (an octet above 255, a
 * C-Octet String with a NUL or a character above U+00FF, a short_message
 * over 254 octets, a TLV over 65535).
 */
export function encodePdu(pdu: HotPdu): Buffer {
  const bodyless = !hasBody(pdu);
  const size = headerBytes + (bodyless ? 0 : bodySize(pdu));
  const buf = Buffer.allocUnsafe(size);
  buf.writeUInt32BE(size, 0);
  buf.writeUInt32BE(hotCommandIds[pdu.command], 4);
  buf.writeUInt32BE(pdu.command_status, 8);
  buf.writeUInt32BE(pdu.sequence_number, 12);
  if (bodyless) return buf;
  const w = new PduWriter(buf, pdu.command, headerBytes);
  switch (pdu.command) {
    case "submit_sm":
    case "deliver_sm":
      writeShortMessage(w, pdu);
      break;
    case "data_sm":
      writeDataSm(w, pdu);
      break;
    case "submit_sm_resp":
    case "deliver_sm_resp":
    case "data_sm_resp":
      w.cstring("message_id", pdu.message_id);
      w.tlvs(pdu);
      break;
  }
  return buf;
}

function hasBody(pdu: HotPdu): pdu is SubmitSm | DeliverSm | DataSm | MessageResp {
  switch (pdu.command) {
    case "enquire_link":
    case "enquire_link_resp":
    case "generic_nack":
      return false;
    case "submit_sm_resp":
    case "deliver_sm_resp":
    case "data_sm_resp":
      return pdu.command_status === 0;
    default:
      return true;
  }
}

function bodySize(pdu: SubmitSm | DeliverSm | DataSm | MessageResp): number {
  switch (pdu.command) {
    case "submit_sm_resp":
    case "deliver_sm_resp":
    case "data_sm_resp":
      return cstringSize(pdu.message_id) + tlvsSize(pdu);
    case "data_sm":
      return addressesSize(pdu) + tlvsSize(pdu);
    default:
      // protocol_id, priority_flag, replace_if_present_flag, sm_default_msg_id, sm_length.
      return (
        addressesSize(pdu) +
        5 +
        cstringSize(pdu.schedule_delivery_time) +
        cstringSize(pdu.validity_period) +
        pdu.short_message.length +
        tlvsSize(pdu)
      );
  }
}

/**
 * service_type, both addresses with their TON and NPI, esm_class, registered_delivery, data_coding.
 */
function addressesSize(pdu: DataSmBody): number {
  return (
    cstringSize(pdu.service_type) +
    cstringSize(pdu.source_addr) +
    cstringSize(pdu.destination_addr) +
    7
  );
}

function writeShortMessage(w: PduWriter, sm: SubmitSm | DeliverSm): void {
  if (sm.short_message.length > maxShortMessage)
    throw codecError(
      sm.command,
      `short_message is ${sm.short_message.length} octets, at most ${maxShortMessage} (longer texts go in message_payload)`,
    );
  w.cstring("service_type", sm.service_type);
  w.u8("source_addr_ton", sm.source_addr_ton);
  w.u8("source_addr_npi", sm.source_addr_npi);
  w.cstring("source_addr", sm.source_addr);
  w.u8("dest_addr_ton", sm.dest_addr_ton);
  w.u8("dest_addr_npi", sm.dest_addr_npi);
  w.cstring("destination_addr", sm.destination_addr);
  w.u8("esm_class", sm.esm_class);
  w.u8("protocol_id", sm.protocol_id);
  w.u8("priority_flag", sm.priority_flag);
  w.cstring("schedule_delivery_time", sm.schedule_delivery_time);
  w.cstring("validity_period", sm.validity_period);
  w.u8("registered_delivery", sm.registered_delivery);
  w.u8("replace_if_present_flag", sm.replace_if_present_flag);
  w.u8("data_coding", sm.data_coding);
  w.u8("sm_default_msg_id", sm.sm_default_msg_id);
  w.u8("sm_length", sm.short_message.length);
  w.octets(sm.short_message);
  w.tlvs(sm);
}

function writeDataSm(w: PduWriter, sm: DataSm): void {
  w.cstring("service_type", sm.service_type);
  w.u8("source_addr_ton", sm.source_addr_ton);
  w.u8("source_addr_npi", sm.source_addr_npi);
  w.cstring("source_addr", sm.source_addr);
  w.u8("dest_addr_ton", sm.dest_addr_ton);
  w.u8("dest_addr_npi", sm.dest_addr_npi);
  w.cstring("destination_addr", sm.destination_addr);
  w.u8("esm_class", sm.esm_class);
  w.u8("registered_delivery", sm.registered_delivery);
  w.u8("data_coding", sm.data_coding);
  w.tlvs(sm);
}

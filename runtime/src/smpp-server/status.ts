import { commandStatus } from "../drivers/smpp/connection.js";
import { ErrorCode, type HermesError } from "../errors/hermes-error.js";

/** The command_status values the server answers with (SMPP 3.4 5.1.3; ESME_RINVDCS from SMPP 5.0). */
export const serverStatus = {
  ...commandStatus,
  invalidPriority: 0x06,
  invalidDestinationAddress: 0x0b,
  bindFailed: 0x0d,
  submitFailed: 0x45,
  invalidDestinationTon: 0x50,
  invalidDestinationNpi: 0x51,
  invalidDataCoding: 0x104,
} as const;

/**
 * The status a submit refused by the accept path gets: the field at fault
 * says which address or length was wrong, a full route queue is the
 * client's ESME_RMSGQFUL, and a store that cannot be written a system error
 * (the client may try again; nothing was stored).
 */
export function statusOfRefusal(error: HermesError): number {
  switch (error.code) {
    case ErrorCode.INVALID_RECIPIENT:
      return serverStatus.invalidDestinationAddress;
    case ErrorCode.QUEUE_FULL:
      return serverStatus.messageQueueFull;
    case ErrorCode.INVALID_ARGUMENT:
      if (error.field.startsWith("to")) return serverStatus.invalidDestinationAddress;
      if (error.field.startsWith("from")) return serverStatus.invalidSourceAddress;
      if (error.field === "priority") return serverStatus.invalidPriority;
      // The text: empty, more parts than the route allows, or a message over the size limit.
      return serverStatus.invalidMessageLength;
    default:
      return serverStatus.systemError;
  }
}

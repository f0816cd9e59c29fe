import net from "node:net";
import tls from "node:tls";
import smpp, { type PDU } from "smpp";
import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import type { TlsSettings } from "./config.js";
import { decodePdu, encodePdu, responseTo } from "./pdu-codec.js";
import { headerBytes, hotCommandOf, type HotRequest, type HotResponse } from "./pdu-types.js";

export const commandStatus = {
  ok: 0x00,
  invalidMessageLength: 0x01,
  invalidCommandLength: 0x02,
  invalidCommandId: 0x03,
  invalidBindStatus: 0x04,
  alreadyBound: 0x05,
  systemError: 0x08,
  invalidSourceAddress: 0x0a,
  messageQueueFull: 0x14,
  throttled: 0x58,
} as const;

/** The commands npm `smpp` encodes and decodes for us: everything off the message path. */
export type LibraryCommand =
  | "alert_notification"
  | "bind_receiver"
  | "bind_receiver_resp"
  | "bind_transmitter"
  | "bind_transmitter_resp"
  | "bind_transceiver"
  | "bind_transceiver_resp"
  | "broadcast_sm"
  | "broadcast_sm_resp"
  | "cancel_broadcast_sm"
  | "cancel_broadcast_sm_resp"
  | "cancel_sm"
  | "cancel_sm_resp"
  | "outbind"
  | "query_broadcast_sm"
  | "query_broadcast_sm_resp"
  | "query_sm"
  | "query_sm_resp"
  | "replace_sm"
  | "replace_sm_resp"
  | "submit_multi"
  | "submit_multi_resp"
  | "unbind"
  | "unbind_resp";

/** A PDU of a library command, with npm `smpp`'s decoding of its body. */
export interface LibraryPdu {
  readonly command: LibraryCommand;
  readonly command_status: number;
  readonly sequence_number: number;
  readonly library: PDU;
}

export type Request = HotRequest | LibraryPdu;
export type Response = HotResponse | LibraryPdu;

/** Encodes a library command (binds, unbind) with npm `smpp`; `request` numbers it. */
export function libraryPdu(command: LibraryCommand, fields: Record<string, unknown> = {}): Buffer {
  return new smpp.PDU(command, fields).toBuffer();
}

const responseBit = 0x80000000;

/** What a connection tells its owner about. */
export interface ConnectionEvents {
  /** A well-formed request of a known command. */
  onRequest(pdu: Request): void;
  /** A well-formed response of a known command. */
  onResponse(pdu: Response): void;
  /**
   * A PDU that was framed but unusable (unknown command, bad body): a request was answered with
   * generic_nack.
   */
  onInvalid(reason: string): void;
  /** The socket closed; `error` when it was not a clean close, or the stream was beyond repair. */
  onClose(error: Error | undefined): void;
}

/**
 * One SMPP transport: a TCP or TLS socket, strict framing, the hand-written
 * codec (pdu-codec.ts) for the commands on the message path and npm
 * `smpp`'s for the rest. The library's own session is not used: it
 * freezes on a bad command_length, answers nothing, keeps response
 * callbacks forever and caps PDUs at 16 KB. Here a PDU with an impossible
 * command_length (the stream cannot be resynchronised) is answered with
 * generic_nack and the connection dropped; one with an unknown command id or
 * a body that does not decode is answered with generic_nack and skipped.
 */
export class SmppConnection {
  readonly #socket: net.Socket;
  readonly #events: ConnectionEvents;
  readonly #maxPduBytes: number;
  #buffer: Buffer = Buffer.alloc(0);
  #sequence = 0;
  #closed = false;
  #corked = false;
  #closeError: Error | undefined;

  private constructor(socket: net.Socket, maxPduBytes: number, events: ConnectionEvents) {
    this.#socket = socket;
    this.#events = events;
    this.#maxPduBytes = maxPduBytes;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      try {
        this.#receive(chunk);
      } catch (error) {
        // A bug in a handler must not reach Node's uncaught-exception path: drop this connection
        // instead.
        this.destroy(
          new HermesError(
            ErrorCode.INTERNAL,
            `handling SMPP data failed: ${(error as Error).message}`,
            { cause: error },
          ),
        );
      }
    });
    socket.on("error", (error) => (this.#closeError ??= error));
    socket.on("close", () => {
      this.#closed = true;
      this.#events.onClose(this.#closeError);
    });
  }

  /**
   * Opens a TCP (or TLS, verifying the certificate unless told not to) connection within
   * `timeoutMs`.
   */
  static open(
    target: {
      host: string;
      port: number;
      tls: TlsSettings | undefined;
      timeoutMs: number;
      maxPduBytes: number;
    },
    events: ConnectionEvents,
  ): Promise<SmppConnection> {
    return new Promise((resolve, reject) => {
      const socket = target.tls
        ? tls.connect({
            host: target.host,
            port: target.port,
            rejectUnauthorized: target.tls.rejectUnauthorized,
            ca: target.tls.ca,
            servername: target.tls.servername ?? (net.isIP(target.host) ? undefined : target.host),
          })
        : net.connect({ host: target.host, port: target.port });
      const ready = target.tls ? "secureConnect" : "connect";
      const timer = setTimeout(
        () =>
          fail(
            new HermesError(
              ErrorCode.TIMEOUT,
              `connect to ${target.host}:${target.port} timed out after ${target.timeoutMs} ms`,
            ),
          ),
        target.timeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(
          error instanceof HermesError
            ? error
            : new HermesError(
                ErrorCode.PROVIDER_UNAVAILABLE,
                `cannot connect to ${target.host}:${target.port}: ${error.message}`,
                { cause: error },
              ),
        );
      };
      socket.once("error", fail);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off("error", fail);
        resolve(new SmppConnection(socket, target.maxPduBytes, events));
      });
    });
  }

  /**
   * Wraps a socket an SMPP server accepted (the benchmark SMSC, Hermes's own SMPP server): the
   * same framing and codecs, the other way round.
   */
  static accept(socket: net.Socket, maxPduBytes: number, events: ConnectionEvents): SmppConnection {
    return new SmppConnection(socket, maxPduBytes, events);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Numbers an encoded request and writes it; returns its sequence number
   * (0 if the socket is gone). The number goes into a copy: a submit_sm
   * retried is written again from the same bytes, maybe before the earlier
   * write has left.
   */
  request(pdu: Buffer): number {
    if (this.#closed || !this.#socket.writable) return 0;
    this.#sequence = this.#sequence >= 0x7fffffff ? 1 : this.#sequence + 1;
    const numbered = Buffer.allocUnsafe(pdu.length);
    pdu.copy(numbered);
    numbered.writeUInt32BE(this.#sequence, 12);
    this.#write(numbered);
    return this.#sequence;
  }

  /** Answers a request with a status and nothing else. */
  respond(request: Request, status = 0): void {
    if ("library" in request)
      this.send(
        request.library.response(status === 0 ? {} : { command_status: status }).toBuffer(),
      );
    else this.send(encodePdu(responseTo(request, status)));
  }

  /** Answers something undecodable: generic_nack with the sequence number it carried. */
  nack(sequence: number, status: number): void {
    this.send(
      encodePdu({ command: "generic_nack", command_status: status, sequence_number: sequence }),
    );
  }

  /** Writes an encoded PDU as it is (a response: it carries its request's number). */
  send(pdu: Buffer): void {
    if (!this.#closed && this.#socket.writable) this.#write(pdu);
  }

  /** Closes after what is written has been sent. */
  end(): void {
    if (!this.#closed) this.#socket.end();
  }

  /**
   * Closes at once; what is held for the current burst (a last generic_nack) is handed to the
   * socket first.
   */
  destroy(error?: Error): void {
    if (error) this.#closeError ??= error;
    if (this.#corked) this.#socket.uncork();
    this.#socket.destroy();
  }

  /**
   * Writes are held until this turn of the event loop has run its I/O
   * callbacks and their microtasks (setImmediate), so the PDUs of a burst
   * (a window of submits, the answers to the receipts of one read, each
   * a few promise hops after it) leave in one writev, not a syscall each.
   */
  #write(pdu: Buffer): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      setImmediate(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(pdu);
  }

  #receive(chunk: Buffer): void {
    const buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let offset = 0;
    while (buffer.length - offset >= 4 && !this.#closed) {
      const length = buffer.readUInt32BE(offset);
      if (length < headerBytes || length > this.#maxPduBytes) {
        const sequence =
          buffer.length - offset >= headerBytes ? buffer.readUInt32BE(offset + 12) : 0;
        this.nack(sequence, commandStatus.invalidCommandLength);
        this.#events.onInvalid(
          `command_length ${length} outside ${headerBytes}..${this.#maxPduBytes}`,
        );
        this.destroy(
          new HermesError(
            ErrorCode.PROVIDER_UNAVAILABLE,
            `SMSC sent an impossible command_length ${length}; connection dropped`,
          ),
        );
        this.#buffer = Buffer.alloc(0);
        return;
      }
      if (buffer.length - offset < length) break;
      this.#decode(buffer.subarray(offset, offset + length));
      offset += length;
    }
    this.#buffer =
      offset === buffer.length ? Buffer.alloc(0) : Buffer.from(buffer.subarray(offset));
  }

  #decode(bytes: Buffer): void {
    const commandId = bytes.readUInt32BE(4);
    const sequence = bytes.readUInt32BE(12);
    let pdu: Request | Response | undefined;
    try {
      pdu = hotCommandOf(commandId) ? decodePdu(bytes) : decodeWithLibrary(bytes);
    } catch (error) {
      this.#invalid(
        commandId,
        sequence,
        commandStatus.invalidMessageLength,
        `undecodable PDU 0x${commandId.toString(16)}: ${(error as Error).message}`,
      );
      return;
    }
    if (!pdu) {
      this.#invalid(
        commandId,
        sequence,
        commandStatus.invalidCommandId,
        `unknown command id 0x${commandId.toString(16)}`,
      );
      return;
    }
    // The type of a library PDU does not say which way it goes; its command_id does.
    if (commandId & responseBit) this.#events.onResponse(pdu as Response);
    else this.#events.onRequest(pdu as Request);
  }

  #invalid(commandId: number, sequence: number, status: number, reason: string): void {
    // Never nack a response (or a nack): that could loop between two peers.
    if ((commandId & responseBit) === 0) this.nack(sequence, status);
    this.#events.onInvalid(reason);
  }
}

/**
 * npm `smpp`'s decoding of a library command; undefined for a command it
 * does not know. Its length limit (`PDU.maxLength`, a process-wide global)
 * is left at its default of 16 KB: this throws above it, and no library
 * command comes near it.
 */
function decodeWithLibrary(bytes: Buffer): LibraryPdu | undefined {
  const library = new smpp.PDU(bytes);
  if (library.command === "unknown") return undefined;
  return {
    command: library.command as LibraryCommand,
    command_status: library.command_status,
    sequence_number: library.sequence_number,
    library,
  };
}

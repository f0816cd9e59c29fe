import type net from "node:net";
import {
  type LibraryPdu,
  type Request,
  type Response,
  SmppConnection,
} from "../drivers/smpp/connection.js";
import { encodePdu, responseTo } from "../drivers/smpp/pdu-codec.js";
import type { DataSm, SubmitSm } from "../drivers/smpp/pdu-types.js";
import { type Account, type BindRole, type ServerBind, transmits } from "./account.js";
import type { SubmitAnswer } from "./concatenated-submits.js";
import { serverStatus } from "./status.js";
import { readSubmit, type SubmitRequest } from "./submit-reader.js";

const bindRoles: Readonly<Record<string, BindRole>> = {
  bind_transmitter: "transmitter",
  bind_receiver: "receiver",
  bind_transceiver: "transceiver",
};

/** What a session needs from the server it belongs to. */
export interface SessionHost {
  readonly maxPduBytes: number;
  readonly bindTimeoutMs: number;
  /** Checks a bind's credentials and the account's bind limit; resolves with the account, or the status to refuse with. */
  authenticate(
    systemId: string,
    password: string,
    role: BindRole,
    address: string,
  ): Promise<Account | number>;
  /** May this address try a bind now? false: a flood, close the connection. */
  bindAttempt(address: string): boolean;
  bound(account: Account, bind: ServerBind): void;
  unbound(account: Account, bind: ServerBind): void;
  closed(address: string): void;
  /** Takes an admitted submit through the accept path; resolves with its answer. */
  submit(account: Account, request: SubmitRequest): Promise<SubmitAnswer>;
  /** A deliver_sm_resp (or generic_nack) for a deliver_sm the account's outbox sent. */
  answered(account: Account, bind: ServerBind, sequence: number, status: number): void;
  /** A submit was answered with `status` (metrics). */
  submitAnswered(account: string, status: number): void;
}

/**
 * One ESME connection: strict framing and the driver's codec (SmppConnection
 * the server way round), then a bind within `bindTimeoutMs`. Before a bind
 * only enquire_link is answered; any other request is refused with
 * ESME_RINVBNDSTS and the connection closed. Once bound it answers
 * enquire_link and unbind, takes submit_sm and data_sm (transmitters and
 * transceivers), and hands deliver_sm_resp to the account's outbox.
 * Commands the server does not offer get their response with ESME_RINVCMDID.
 */
export class ServerSession {
  readonly #host: SessionHost;
  readonly #address: string;
  readonly #connection: SmppConnection;
  #state: "open" | "binding" | "bound" | "closed" = "open";
  #account: Account | undefined;
  #bind: ServerBind | undefined;
  readonly #bindTimer: NodeJS.Timeout;
  #bindTimedOut = false;
  readonly #socket: net.Socket;

  constructor(socket: net.Socket, host: SessionHost) {
    this.#host = host;
    this.#socket = socket;
    this.#address = socket.remoteAddress ?? "unknown";
    this.#connection = SmppConnection.accept(socket, host.maxPduBytes, {
      onRequest: (pdu) => this.#request(pdu),
      onResponse: (pdu) => this.#response(pdu),
      onInvalid: () => undefined, // answered with generic_nack by the connection; nothing else to do
      onClose: () => this.#closed(),
    });
    // A bind being checked is answered first (its refusal may be delayed past the deadline).
    this.#bindTimer = setTimeout(() => {
      if (this.#state === "open") this.#connection.destroy();
      else this.#bindTimedOut = true;
    }, host.bindTimeoutMs);
    this.#bindTimer.unref();
  }

  #request(pdu: Request): void {
    this.#backPressure();
    const role = bindRoles[pdu.command];
    if (role && "library" in pdu) {
      void this.#bindRequest(pdu, role);
      return;
    }
    if (pdu.command === "enquire_link") {
      this.#connection.respond(pdu);
      return;
    }
    if (this.#state !== "bound") {
      // Nothing but a bind before a bind: refused, and the connection closed once that is written.
      this.#connection.respond(pdu, serverStatus.invalidBindStatus);
      this.#connection.end();
      return;
    }
    switch (pdu.command) {
      case "submit_sm":
      case "data_sm":
        void this.#submit(pdu);
        return;
      case "unbind":
        this.#connection.respond(pdu);
        this.#connection.end();
        this.#unbind();
        this.#state = "closed";
        return;
      default:
        this.#connection.respond(pdu, serverStatus.invalidCommandId);
    }
  }

  async #bindRequest(pdu: LibraryPdu, role: BindRole): Promise<void> {
    if (this.#state !== "open") {
      this.#connection.respond(pdu, serverStatus.alreadyBound);
      return;
    }
    if (!this.#host.bindAttempt(this.#address)) {
      this.#connection.destroy();
      return;
    }
    this.#state = "binding";
    const result = await this.#host.authenticate(
      String(pdu.library.system_id ?? ""),
      String(pdu.library.password ?? ""),
      role,
      this.#address,
    );
    if (this.#state !== "binding") return; // closed while it was checked
    if (typeof result === "number") {
      this.#state = "open";
      this.#connection.send(pdu.library.response({ command_status: result }).toBuffer());
      if (this.#bindTimedOut) this.#connection.end();
      return;
    }
    this.#state = "bound";
    clearTimeout(this.#bindTimer);
    this.#account = result;
    this.#bind = { role, connection: this.#connection, address: this.#address };
    this.#connection.send(pdu.library.response({ system_id: "hermes" }).toBuffer());
    this.#host.bound(result, this.#bind);
  }

  async #submit(pdu: SubmitSm | DataSm): Promise<void> {
    const account = this.#account!;
    if (!transmits(this.#bind!.role)) {
      this.#answer(account, pdu, { status: serverStatus.invalidBindStatus });
      return;
    }
    const reading = readSubmit(pdu);
    if (!reading.ok) {
      this.#answer(account, pdu, { status: reading.status });
      return;
    }
    const admission = account.admit(reading.request.parts);
    if (admission !== "ok") {
      this.#answer(account, pdu, {
        status: admission === "window" ? serverStatus.messageQueueFull : serverStatus.throttled,
      });
      return;
    }
    account.inFlight++;
    try {
      this.#answer(account, pdu, await this.#host.submit(account, reading.request));
    } catch {
      this.#answer(account, pdu, { status: serverStatus.systemError });
    } finally {
      account.inFlight--;
    }
  }

  /**
   * A client that sends and does not read its answers would make them pile
   * up in memory: while what is written to it waits beyond the socket's
   * high-water mark, nothing more is read from it.
   */
  #backPressure(): void {
    const socket = this.#socket;
    if (!socket.writableNeedDrain || socket.isPaused()) return;
    socket.pause();
    socket.once("drain", () => socket.resume());
  }

  #answer(account: Account, pdu: SubmitSm | DataSm, answer: SubmitAnswer): void {
    this.#host.submitAnswered(account.systemId, answer.status);
    this.#connection.send(encodePdu(responseTo(pdu, answer.status, answer.id ?? "")));
  }

  #response(pdu: Response): void {
    if (!this.#account || !this.#bind) return;
    if (pdu.command === "deliver_sm_resp" || pdu.command === "generic_nack")
      this.#host.answered(this.#account, this.#bind, pdu.sequence_number, pdu.command_status);
  }

  #unbind(): void {
    if (this.#account && this.#bind) this.#host.unbound(this.#account, this.#bind);
    this.#account = undefined;
    this.#bind = undefined;
  }

  #closed(): void {
    clearTimeout(this.#bindTimer);
    this.#unbind();
    this.#state = "closed";
    this.#host.closed(this.#address);
  }

  /** Closes the connection at once (the server is stopping). */
  destroy(): void {
    this.#connection.destroy();
  }
}

import { once } from "node:events";
import net from "node:net";
import {
  commandStatus,
  SmppConnection,
  type Request,
  type Response,
} from "../../drivers/smpp/connection.js";
import { encodePdu, responseTo } from "../../drivers/smpp/pdu-codec.js";
import type { SubmitSm } from "../../drivers/smpp/pdu-types.js";

/** How the benchmark SMSC writes ids and receipts. */
export interface BenchSmscOptions {
  /** Message ids in submit_sm_resp and receipts: hex (lower case) or decimal, from 1. */
  readonly ids: "hex" | "decimal";
  /** The receipt's id and state in the text (`id:… stat:DELIVRD …`), in TLVs, or both. */
  readonly receipts: "text" | "tlv" | "both";
}

export interface BenchSmscCounters {
  binds: number;
  submits: number;
  receiptsSent: number;
  /** deliver_sm_resp with ESME_ROK. */
  receiptsAcked: number;
  /** deliver_sm_resp with an error status. */
  receiptsRefused: number;
  enquireLinks: number;
  unbinds: number;
  invalidPdus: number;
}

interface Bind {
  readonly connection: SmppConnection;
  readonly systemId: string;
  readonly receives: boolean;
}

/** Which binds get receipts. */
const binds: Record<string, { receives: boolean }> = {
  bind_transceiver: { receives: true },
  bind_transmitter: { receives: false },
  bind_receiver: { receives: true },
};

const maxPduBytes = 70_000;

/**
 * The least an SMSC does, on raw node:net with the driver's own framing and
 * codec, so that it costs little next to what it measures: it accepts any
 * bind, answers submit_sm with a fresh id, enquire_link and unbind, and
 * sends a DELIVRD receipt at once for every submit that asks for one
 * (registered_delivery bit 0), to the submitting transceiver or else a
 * receiving bind of the same system_id (kept until one binds). No
 * throttling, failures or delays: for those use SmscSimulator.
 */
export class BenchSmsc {
  readonly counters: BenchSmscCounters = {
    binds: 0,
    submits: 0,
    receiptsSent: 0,
    receiptsAcked: 0,
    receiptsRefused: 0,
    enquireLinks: 0,
    unbinds: 0,
    invalidPdus: 0,
  };
  readonly #options: BenchSmscOptions;
  readonly #server = net.createServer((socket) => this.#accept(socket));
  readonly #bound = new Set<Bind>();
  /** Receipts for a system_id with no receiving bind, as encoded deliver_sm. */
  readonly #waiting = new Map<string, Buffer[]>();
  #nextId = 1;
  #dateSecond = 0;
  #date = "";

  constructor(options: Partial<BenchSmscOptions> = {}) {
    this.#options = { ids: "hex", receipts: "text", ...options };
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<number> {
    this.#server.listen(port, host);
    await once(this.#server, "listening");
    return (this.#server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    for (const bind of this.#bound) bind.connection.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    let bind: Bind | undefined;
    const connection = SmppConnection.accept(socket, maxPduBytes, {
      onRequest: (pdu) => {
        bind = this.#request(connection, bind, pdu);
      },
      onResponse: (pdu) => this.#response(pdu),
      onInvalid: () => this.counters.invalidPdus++,
      onClose: () => {
        if (bind) this.#bound.delete(bind);
      },
    });
  }

  /** Answers a request; returns the connection's bind as it is after it. */
  #request(connection: SmppConnection, bind: Bind | undefined, pdu: Request): Bind | undefined {
    const mode = binds[pdu.command];
    if (mode && "library" in pdu) {
      if (bind) {
        connection.respond(pdu, commandStatus.alreadyBound);
        return bind;
      }
      this.counters.binds++;
      const bound = {
        connection,
        systemId: String(pdu.library.system_id ?? ""),
        receives: mode.receives,
      };
      this.#bound.add(bound);
      connection.send(pdu.library.response({ system_id: "hermes-bench-smsc" }).toBuffer());
      if (bound.receives) this.#flush(bound);
      return bound;
    }
    if (pdu.command === "enquire_link") {
      this.counters.enquireLinks++;
      connection.respond(pdu);
      return bind;
    }
    if (!bind) {
      connection.respond(pdu, commandStatus.invalidBindStatus);
      return bind;
    }
    switch (pdu.command) {
      case "submit_sm":
        this.#submit(bind, pdu);
        return bind;
      case "unbind":
        this.counters.unbinds++;
        this.#bound.delete(bind);
        connection.respond(pdu);
        connection.end();
        return undefined;
      default:
        connection.respond(pdu, commandStatus.invalidCommandId);
        return bind;
    }
  }

  #response(pdu: Response): void {
    if (pdu.command !== "deliver_sm_resp") return;
    if (pdu.command_status === 0) this.counters.receiptsAcked++;
    else this.counters.receiptsRefused++;
  }

  #submit(bind: Bind, submit: SubmitSm): void {
    this.counters.submits++;
    const id = this.#options.ids === "hex" ? (this.#nextId++).toString(16) : String(this.#nextId++);
    bind.connection.send(encodePdu(responseTo(submit, 0, id)));
    if ((submit.registered_delivery & 0x01) === 0) return;
    const receipt = this.#receipt(submit, id);
    this.counters.receiptsSent++;
    const target = bind.receives ? bind : this.#receiverFor(bind.systemId);
    if (target) target.connection.request(receipt);
    else {
      const queue = this.#waiting.get(bind.systemId) ?? [];
      queue.push(receipt);
      this.#waiting.set(bind.systemId, queue);
    }
  }

  #receipt(submit: SubmitSm, id: string): Buffer {
    const style = this.#options.receipts;
    const date = this.#now();
    const text =
      style === "tlv"
        ? ""
        : `id:${id} sub:001 dlvrd:001 submit date:${date} done date:${date} stat:DELIVRD err:000 text:`;
    return encodePdu({
      command: "deliver_sm",
      command_status: 0,
      sequence_number: 0, // numbered by the connection
      service_type: "",
      source_addr_ton: submit.dest_addr_ton,
      source_addr_npi: submit.dest_addr_npi,
      source_addr: submit.destination_addr,
      dest_addr_ton: submit.source_addr_ton,
      dest_addr_npi: submit.source_addr_npi,
      destination_addr: submit.source_addr,
      esm_class: 0x04, // SMSC delivery receipt
      protocol_id: 0,
      priority_flag: 0,
      schedule_delivery_time: "",
      validity_period: "",
      registered_delivery: 0,
      replace_if_present_flag: 0,
      data_coding: 0,
      sm_default_msg_id: 0,
      short_message: Buffer.from(text, "latin1"),
      ...(style === "text" ? {} : { receipted_message_id: id, message_state: 2 }),
    });
  }

  #receiverFor(systemId: string): Bind | undefined {
    for (const bind of this.#bound) if (bind.receives && bind.systemId === systemId) return bind;
    return undefined;
  }

  #flush(bind: Bind): void {
    const queue = this.#waiting.get(bind.systemId);
    if (!queue) return;
    this.#waiting.delete(bind.systemId);
    for (const receipt of queue) bind.connection.request(receipt);
  }

  /** YYMMDDhhmm (UTC), worked out once a second: receipts come by the thousand. */
  #now(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#dateSecond) {
      this.#dateSecond = second;
      this.#date = new Date(second * 1000).toISOString().replace(/\D/g, "").slice(2, 12);
    }
    return this.#date;
  }
}

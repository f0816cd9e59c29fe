import { once } from "node:events";
import smpp, { type PDU, type Session } from "smpp";
import { encodeText } from "../../drivers/smpp/sms-encoding.js";
import { messageStates } from "../../drivers/smpp/receipts.js";

/** A destination pattern and the command_status its submits get. */
export interface AddressedFailure {
  /** Regular expression on destination_addr (digits, no plus). */
  readonly destination: string;
  readonly status: number;
}

/** A destination pattern and the receipt stat its messages get. */
export interface AddressedReceipt {
  readonly destination: string;
  readonly stat: string;
  readonly err?: string;
}

/** How the simulated SMSC behaves; every field can be changed while it runs (`configure`). */
export interface SmscBehaviour {
  /** Credentials a bind must present; unset accepts any. */
  readonly systemId?: string;
  readonly password?: string;
  /** Refuse binds (ESME_RBINDFAIL), as a carrier in maintenance does. */
  readonly maintenance: boolean;
  /**
   * Submits per (sliding) second per system_id above which the SMSC answers ESME_RTHROTTLED; 0 =
   * none.
   */
  readonly throttleRate: number;
  /** Share (0..1) of submits failed at random with `randomFailureStatus`. */
  readonly randomFailureRate: number;
  readonly randomFailureStatus: number;
  readonly failures: readonly AddressedFailure[];
  /** Wait before answering each submit_sm. */
  readonly responseDelayMs: number;
  /** Never answer submit_sm to destinations matching this pattern (to test response timeouts). */
  readonly silentDestinations?: string;
  /** Stop answering enquire_link (a half-dead link). */
  readonly answerEnquireLink: boolean;
  /** Send receipts for submits that ask for them (registered_delivery bit 0), this long after. */
  readonly receiptDelayMs: number;
  readonly receipts: readonly AddressedReceipt[];
  /** How the receipt carries its id and state: the text body, the TLVs, or both. */
  readonly receiptStyle: "text" | "tlv" | "both";
  /** Message ids as submit_sm_resp gives them, and as the receipt text writes them. */
  readonly submitIdFormat: "hex" | "decimal";
  readonly receiptIdFormat: "hex" | "decimal";
  /** Keep every submit in `received` (turn off for load runs). */
  readonly record: boolean;
  /**
   * The first message id, after start and after every restart(); unset: a random one chosen at
   * start.
   */
  readonly firstId?: number;
}

export const defaultBehaviour: SmscBehaviour = {
  maintenance: false,
  throttleRate: 0,
  randomFailureRate: 0,
  randomFailureStatus: 0x08,
  failures: [],
  responseDelayMs: 0,
  answerEnquireLink: true,
  receiptDelayMs: 20,
  receipts: [],
  receiptStyle: "text",
  submitIdFormat: "hex",
  receiptIdFormat: "hex",
  record: true,
};

/** A submit_sm as the SMSC received it (decoded by the library, as a real SMSC would). */
export interface ReceivedSubmit {
  readonly id: string;
  readonly systemId: string;
  readonly sourceAddr: string;
  readonly sourceTon: number;
  readonly sourceNpi: number;
  readonly destination: string;
  readonly destTon: number;
  readonly dataCoding: number;
  readonly esmClass: number;
  /** The text without its UDH. */
  readonly text: string;
  /** The raw user data header, when there is one. */
  readonly udh: Buffer | undefined;
  readonly sar: { readonly ref: number; readonly total: number; readonly seq: number } | undefined;
  readonly payload: boolean;
  readonly registeredDelivery: number;
  readonly validityPeriod: string;
  readonly priority: number;
  readonly status: number;
  /** When it arrived (ms since the epoch). */
  readonly at: number;
}

export interface SmscStats {
  binds: number;
  bindsRefused: number;
  submits: number;
  throttled: number;
  /** The most submit_sm one session ever had unanswered. */
  maxInFlight: number;
  receiptsSent: number;
  /** Receipts answered with ESME_ROK. */
  receiptsAcked: number;
  /** Receipts sent again because their bind dropped before it acknowledged them. */
  receiptsResent: number;
  restarts: number;
  enquireLinks: number;
  /** unbind requests from ESMEs (graceful goodbyes). */
  unbinds: number;
  errors: number;
}

interface Bound {
  readonly session: Session;
  readonly systemId: string;
  readonly receives: boolean;
  inFlight: number;
  /** deliver_sm sent on this bind and not answered ESME_ROK, in the order sent. */
  readonly unacknowledged: Set<PendingDeliver>;
}

/** A receipt or MO message, stored until a receiving bind acknowledges it. */
interface PendingDeliver {
  /** The system_id whose receiving binds get it ("*": any). */
  readonly systemId: string;
  readonly fields: Record<string, unknown>;
  readonly receipt: boolean;
  /** Told the ESME's first answer. */
  readonly done?: (status: number) => void;
  sent: number;
  answered: boolean;
}

const bindModes: Record<string, { receives: boolean }> = {
  bind_transceiver: { receives: true },
  bind_transmitter: { receives: false },
  bind_receiver: { receives: true },
};

/** message_state TLV values by receipt stat, the driver's table read backwards. */
const stateOf: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(messageStates).map(([state, stat]) => [stat, Number(state)]),
);

/**
 * A real SMPP 3.4 server (npm `smpp`'s server side) for development and
 * tests: it authenticates binds, answers submit_sm with ids, sends delivery
 * receipts after a delay (as text, TLVs or both, in hex or decimal ids),
 * injects MO messages, and misbehaves on demand: throttling, random or
 * addressed failures, slow or missing answers, dropped connections,
 * maintenance unbinds, restarts that reuse message ids. Like a real SMSC
 * it stores receipts and MO until a receiving bind acknowledges them: what
 * a bind leaves unanswered, or refuses, is sent again to the next one. It
 * counts what a test wants to check (the most submits a session ever had
 * unanswered, throttles, receipts sent, acknowledged and sent again).
 */
export class SmscSimulator {
  readonly received: ReceivedSubmit[] = [];
  readonly stats: SmscStats = {
    binds: 0,
    bindsRefused: 0,
    submits: 0,
    throttled: 0,
    maxInFlight: 0,
    receiptsSent: 0,
    receiptsAcked: 0,
    receiptsResent: 0,
    restarts: 0,
    enquireLinks: 0,
    unbinds: 0,
    errors: 0,
  };
  #behaviour: SmscBehaviour;
  readonly #server: ReturnType<typeof smpp.createServer>;
  readonly #bound = new Set<Bound>();
  readonly #sessions = new Set<Session>();
  /**
   * Receipts and MO waiting for a receiving bind of their system_id, as a real SMSC stores them.
   */
  readonly #waiting = new Map<string, PendingDeliver[]>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #randomFirstId = 0x10000 + Math.floor(Math.random() * 0x10000);
  #nextId: number;
  readonly #accepted = new Map<string, number[]>();
  #moReference = 1;
  #port = 0;
  #host = "127.0.0.1";

  private constructor(
    behaviour: Partial<SmscBehaviour>,
    tls: { key: string; cert: string } | undefined,
  ) {
    this.#behaviour = { ...defaultBehaviour, ...behaviour };
    this.#nextId = this.#firstId();
    this.#server = smpp.createServer({ ...tls }, (session) => this.#accept(session));
  }

  /**
   * Starts listening on `port` (0 = any free port) on loopback unless told otherwise; over TLS when
   * given a key and certificate.
   */
  static async start(
    options: {
      port?: number;
      host?: string;
      behaviour?: Partial<SmscBehaviour>;
      tls?: { key: string; cert: string };
    } = {},
  ): Promise<SmscSimulator> {
    const simulator = new SmscSimulator(options.behaviour ?? {}, options.tls);
    simulator.#host = options.host ?? simulator.#host;
    simulator.#server.listen(options.port ?? 0, simulator.#host);
    await once(simulator.#server, "listening");
    simulator.#port = (simulator.#server.address() as { port: number }).port;
    return simulator;
  }

  get port(): number {
    return this.#port;
  }

  get behaviour(): SmscBehaviour {
    return this.#behaviour;
  }

  /** Changes behaviour while running. */
  configure(change: Partial<SmscBehaviour>): void {
    this.#behaviour = { ...this.#behaviour, ...change };
  }

  /** Sessions currently bound. */
  get boundSessions(): number {
    return this.#bound.size;
  }

  /** Cuts every connection at once (a carrier crash, a network cut). */
  dropConnections(): void {
    for (const session of this.#sessions) session.socket.destroy();
  }

  /**
   * Restarts as a real SMSC does: every connection dropped and the message
   * id counter back to its start (`firstId`, or the random start it chose),
   * so ids are reused. What it stores survives: receipts not acknowledged
   * with ESME_ROK, and receipts still waiting out their delay, go to the
   * next receiving bind of their system_id. With `downMs` it also stops
   * listening for that long (binds are refused at TCP), on the same port.
   */
  async restart(options: { downMs?: number } = {}): Promise<void> {
    this.stats.restarts++;
    this.#nextId = this.#firstId();
    this.dropConnections();
    if (!options.downMs) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, options.downMs));
    this.#server.listen(this.#port, this.#host);
    await once(this.#server, "listening");
  }

  /** Sends unbind to every bound session, as a carrier going into maintenance does. */
  unbindAll(): void {
    for (const bound of this.#bound) bound.session.send(new smpp.PDU("unbind", {}));
  }

  /**
   * Delivers a mobile-originated message to a receiving bind of `systemId`
   * (or any), split into concatenated parts (8-bit UDH) when it is long;
   * resolves with the ESME's answer to the last part.
   */
  async injectMo(mo: {
    from: string;
    to: string;
    text: string;
    systemId?: string;
  }): Promise<number> {
    const encoded = encodeText(
      mo.text,
      { alphabet: "gsm7", gsmDataCoding: 0, longMessage: "udh", udhReference: 8, maxParts: 255 },
      () => this.#moReference++,
    );
    let status = 0;
    for (const part of encoded.parts) {
      const fields = {
        source_addr_ton: mo.from.startsWith("+") ? 1 : 0,
        source_addr_npi: 1,
        source_addr: mo.from.replace(/^\+/, ""),
        dest_addr_ton: mo.to.startsWith("+") ? 1 : 0,
        dest_addr_npi: 1,
        destination_addr: mo.to.replace(/^\+/, ""),
        esm_class: part.esmClass,
        data_coding: encoded.dataCoding,
        short_message: part.shortMessage,
      };
      status = await new Promise<number>((resolve) =>
        this.#deliver({
          systemId: mo.systemId ?? this.#behaviour.systemId ?? "*",
          fields,
          receipt: false,
          done: resolve,
          sent: 0,
          answered: false,
        }),
      );
    }
    return status;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  #accept(session: Session): void {
    this.#sessions.add(session);
    let bound: Bound | undefined;
    const drop = () => {
      this.#sessions.delete(session);
      if (bound) this.#unbound(bound);
      bound = undefined;
    };
    session.socket.on("close", drop);
    // The library's session stops reading after a framing error: drop the connection instead.
    session.on("error", () => {
      this.stats.errors++;
      session.socket.destroy();
    });
    session.on("pdu", (pdu: PDU) => {
      if (pdu.isResponse()) return; // deliver_sm_resp: handled by #deliver's callback
      if (pdu.command === "unknown") {
        session.send(pdu.response());
        return;
      }
      const mode = bindModes[pdu.command];
      if (mode) {
        bound = this.#bind(session, pdu, mode.receives) ?? bound;
        return;
      }
      if (!bound) {
        session.send(pdu.response({ command_status: 0x04 })); // ESME_RINVBNDSTS
        return;
      }
      switch (pdu.command) {
        case "enquire_link":
          this.stats.enquireLinks++;
          if (this.#behaviour.answerEnquireLink) session.send(pdu.response());
          return;
        case "unbind":
          this.stats.unbinds++;
          session.send(pdu.response(), () => session.close());
          this.#unbound(bound);
          bound = undefined;
          return;
        case "submit_sm":
          this.#submit(bound, pdu);
          return;
        default:
          session.send(pdu.response({ command_status: 0x03 }));
      }
    });
  }

  #bind(session: Session, pdu: PDU, receives: boolean): Bound | undefined {
    const b = this.#behaviour;
    const systemId = String(pdu.system_id ?? "");
    const refused = b.maintenance
      ? 0x0d
      : b.systemId !== undefined && systemId !== b.systemId
        ? 0x0f
        : b.password !== undefined && pdu.password !== b.password
          ? 0x0e
          : 0;
    if (refused) {
      this.stats.bindsRefused++;
      session.send(pdu.response({ command_status: refused }), () => session.close());
      return undefined;
    }
    this.stats.binds++;
    session.send(pdu.response({ system_id: "hermes-smsc-sim" }));
    const bound: Bound = { session, systemId, receives, inFlight: 0, unacknowledged: new Set() };
    this.#bound.add(bound);
    if (receives) this.#flush(systemId);
    return bound;
  }

  #submit(bound: Bound, pdu: PDU): void {
    const b = this.#behaviour;
    this.stats.submits++;
    bound.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, bound.inFlight);
    const destination = String(pdu.destination_addr ?? "");
    const status = this.#statusFor(bound.systemId, destination);
    const id = this.#newId();
    const wantsReceipt = (Number(pdu.registered_delivery ?? 0) & 0x03) !== 0;
    const record =
      b.record || wantsReceipt ? this.#record(bound.systemId, pdu, id, status) : undefined;
    if (record && b.record) this.received.push(record);
    if (b.silentDestinations && new RegExp(b.silentDestinations).test(destination)) return; // never answered: inFlight stays counted
    const answer = () => {
      bound.inFlight--;
      if (status !== 0) {
        bound.session.send(pdu.response({ command_status: status }));
        return;
      }
      bound.session.send(pdu.response({ message_id: this.#formatId(id, b.submitIdFormat) }));
      if (record && wantsReceipt)
        this.#later(b.receiptDelayMs, () => this.#sendReceipt(bound.systemId, record));
    };
    if (b.responseDelayMs > 0) this.#later(b.responseDelayMs, answer);
    else answer();
  }

  #statusFor(systemId: string, destination: string): number {
    const b = this.#behaviour;
    if (b.throttleRate > 0) {
      // A sliding second: the submits accepted in the last 1000 ms, per system_id.
      const now = Date.now();
      const accepted = this.#accepted.get(systemId) ?? [];
      while (accepted.length > 0 && accepted[0]! <= now - 1000) accepted.shift();
      this.#accepted.set(systemId, accepted);
      if (accepted.length >= b.throttleRate) {
        this.stats.throttled++;
        return 0x58;
      }
      accepted.push(now);
    }
    const addressed = b.failures.find((f) => new RegExp(f.destination).test(destination));
    if (addressed) return addressed.status;
    if (b.randomFailureRate > 0 && Math.random() < b.randomFailureRate)
      return b.randomFailureStatus;
    return 0;
  }

  #record(systemId: string, pdu: PDU, id: number, status: number): ReceivedSubmit {
    const payload = pdu.message_payload !== undefined;
    const body = (payload ? pdu.message_payload : pdu.short_message) as
      | { message?: unknown; udh?: Buffer[] }
      | undefined;
    const udh = body?.udh && body.udh.length > 0 ? udhBytes(body.udh) : undefined;
    return {
      id: String(id),
      systemId,
      sourceAddr: String(pdu.source_addr ?? ""),
      sourceTon: Number(pdu.source_addr_ton ?? 0),
      sourceNpi: Number(pdu.source_addr_npi ?? 0),
      destination: String(pdu.destination_addr ?? ""),
      destTon: Number(pdu.dest_addr_ton ?? 0),
      dataCoding: Number(pdu.data_coding ?? 0),
      esmClass: Number(pdu.esm_class ?? 0),
      text: textOf(body),
      udh,
      sar:
        pdu.sar_msg_ref_num === undefined
          ? undefined
          : {
              ref: Number(pdu.sar_msg_ref_num),
              total: Number(pdu.sar_total_segments),
              seq: Number(pdu.sar_segment_seqnum),
            },
      payload,
      registeredDelivery: Number(pdu.registered_delivery ?? 0),
      validityPeriod: String(pdu.validity_period ?? ""),
      priority: Number(pdu.priority_flag ?? 0),
      status,
      at: Date.now(),
    };
  }

  #newId(): number {
    return this.#nextId++;
  }

  #firstId(): number {
    return this.#behaviour.firstId ?? this.#randomFirstId;
  }

  #formatId(id: number, format: "hex" | "decimal"): string {
    return format === "hex" ? id.toString(16).toUpperCase() : String(id);
  }

  #sendReceipt(systemId: string, submit: ReceivedSubmit): void {
    const b = this.#behaviour;
    const rule = b.receipts.find((r) => new RegExp(r.destination).test(submit.destination));
    const stat = rule?.stat ?? "DELIVRD";
    const err = rule?.err ?? (stat === "DELIVRD" ? "000" : "001");
    const id = Number(submit.id);
    const now = receiptDate(new Date());
    const text = `id:${this.#formatId(id, b.receiptIdFormat)} sub:001 dlvrd:${stat === "DELIVRD" ? "001" : "000"} submit date:${now} done date:${now} stat:${stat} err:${err} text:${submit.text.slice(0, 20)}`;
    const fields: Record<string, unknown> = {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: submit.destination,
      dest_addr_ton: submit.sourceTon,
      dest_addr_npi: submit.sourceNpi,
      destination_addr: submit.sourceAddr,
      esm_class: 0x04,
      data_coding: 0,
      short_message: b.receiptStyle === "tlv" ? Buffer.alloc(0) : Buffer.from(text, "ascii"),
    };
    if (b.receiptStyle !== "text") {
      fields.receipted_message_id = this.#formatId(id, b.submitIdFormat);
      fields.message_state = stateOf[stat] ?? 7;
    }
    this.stats.receiptsSent++;
    this.#deliver({ systemId, fields, receipt: true, sent: 0, answered: false });
  }

  /** Sends to a receiving bind of its system_id, or stores it until one binds. */
  #deliver(pending: PendingDeliver): void {
    const target = [...this.#bound].find(
      (s) =>
        s.receives &&
        s.session.socket.writable &&
        (pending.systemId === "*" || s.systemId === pending.systemId),
    );
    if (!target) {
      const queue = this.#waiting.get(pending.systemId) ?? [];
      queue.push(pending);
      this.#waiting.set(pending.systemId, queue);
      return;
    }
    if (pending.sent++ > 0 && pending.receipt) this.stats.receiptsResent++;
    target.unacknowledged.add(pending);
    target.session.send(new smpp.PDU("deliver_sm", pending.fields), (resp: PDU) => {
      if (!pending.answered) {
        pending.answered = true;
        pending.done?.(resp.command_status);
      }
      // Refused: kept, and sent again once this bind has gone, as an SMSC retries.
      if (resp.command_status !== 0) return;
      target.unacknowledged.delete(pending);
      if (pending.receipt) this.stats.receiptsAcked++;
    });
  }

  #flush(systemId: string): void {
    for (const key of [systemId, "*"]) {
      const queue = this.#waiting.get(key);
      if (!queue) continue;
      this.#waiting.delete(key);
      for (const pending of queue) this.#deliver(pending);
    }
  }

  /**
   * A bind has gone (unbind or a dropped connection): what it did not acknowledge goes out again,
   * in order.
   */
  #unbound(bound: Bound): void {
    this.#bound.delete(bound);
    for (const pending of bound.unacknowledged) this.#deliver(pending);
    bound.unacknowledged.clear();
  }
}

/** The text of a short_message or message_payload as npm `smpp` decoded it (by data_coding). */
function textOf(value: unknown): string {
  const message =
    typeof value === "object" && value !== null && !Buffer.isBuffer(value)
      ? (value as { message?: unknown }).message
      : value;
  if (typeof message === "string") return message;
  if (Buffer.isBuffer(message)) return message.toString("latin1");
  return "";
}

function udhBytes(elements: Buffer[]): Buffer {
  const body = Buffer.concat(elements);
  return Buffer.concat([Buffer.from([body.length]), body]);
}

function receiptDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}`;
}

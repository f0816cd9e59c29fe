import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import { Actor, type ExitReason } from "../../kernel/index.js";
import { ErrorCode, HermesError, errorDetail } from "../../errors/hermes-error.js";
import type { SmppConfig } from "./config.js";
import {
  commandStatus,
  libraryPdu,
  SmppConnection,
  type Request,
  type Response,
} from "./connection.js";
import { encodePdu } from "./pdu-codec.js";
import type { DataSm, DeliverSm, HotResponse } from "./pdu-types.js";
import { normalizeId } from "./receipts.js";
import { isAuthFailure, statusClass, statusText, submitError } from "./status-codes.js";
import type { PartJob } from "./submission.js";
import type { TokenBucket } from "./token-bucket.js";

/** What a session binds as. */
export type SessionRole = "transceiver" | "transmitter" | "receiver";

/** Counters a carrier's sessions share; the adapter reports them in its health detail. */
export interface CarrierCounters {
  submitted: number;
  timeouts: number;
  duplicateRisk: number;
  throttled: number;
  invalidPdus: number;
  lateResponses: number;
  binds: number;
  connectionsLost: number;
}

/** The carrier as its sessions see it (implemented by the adapter). */
export interface Carrier {
  readonly route: string;
  readonly config: SmppConfig;
  readonly bucket: TokenBucket;
  readonly counters: CarrierCounters;
  readonly log: Logger;
  sessionBound(session: SmppSession): void;
  sessionLost(session: SmppSession): void;
  demandChanged(): void;
  /** Handles a deliver_sm / data_sm; resolves with the command_status to answer. */
  handleDeliver(pdu: DeliverSm | DataSm): Promise<number>;
}

type Info =
  | { readonly type: "connect" }
  | { readonly type: "request"; readonly pdu: Request }
  | { readonly type: "pump" }
  | { readonly type: "retry"; readonly job: PartJob }
  | { readonly type: "enquire_link" }
  | { readonly type: "sweep" };

interface InFlight {
  readonly job: PartJob;
  readonly sentAt: number;
}

interface ControlWaiter {
  readonly resolve: (pdu: Response) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const bindCommands = {
  transceiver: "bind_transceiver",
  transmitter: "bind_transmitter",
  receiver: "bind_receiver",
} as const satisfies Record<SessionRole, string>;

const enquireLink = encodePdu({ command: "enquire_link", command_status: 0, sequence_number: 0 });

/**
 * One SMPP bind, as an actor under the carrier's supervisor. It connects and
 * binds (a failure is a crash: the supervisor reconnects with backoff),
 * keeps at most `window` submit_sm unanswered, paces them with the carrier's
 * token bucket, checks every enquire_link reply against a deadline, fails
 * PDUs that get no answer in time, and answers the SMSC's enquire_link
 * (urgent), unbind and deliver_sm (system) ahead of its own submits.
 *
 * The submit path does not go through the mailbox: the adapter queues
 * parts and writes what the window allows in the same call (so a part is
 * never lost in a mailbox that dies, and no hop adds latency at window 1),
 * and the socket reader settles responses and refills the window (so they
 * never wait behind anything). Each of those steps is synchronous, so none
 * interleaves with a handler. The mailbox carries the rest: connect and
 * bind, the SMSC's requests by urgency, timers, waits for tokens. Whatever
 * is left when the actor exits, however it exits, fails retryably in its
 * exit listener.
 */
export class SmppSession extends Actor<never, never, never, Info> {
  readonly #carrier: Carrier;
  readonly role: SessionRole;
  #connection: SmppConnection | undefined;
  #bound = false;
  #queue: PartJob[] = [];
  readonly #inFlight = new Map<number, InFlight>();
  readonly #control = new Map<number, ControlWaiter>();
  /** Parts waiting out a temporary error's delay before they are queued again. */
  readonly #retrying = new Set<PartJob>();
  /** Parts given to this session and not finished yet (queued, waiting to retry, or in flight). */
  #reserved = 0;
  #pumpScheduled = false;
  #drained: (() => void) | undefined;

  constructor(carrier: Carrier, role: SessionRole, index: number) {
    super({ name: `smpp:${carrier.route}:${role}-${index}`, logger: carrier.log });
    this.#carrier = carrier;
    this.role = role;
    this.onExit((reason) => this.#cleanUp(reason));
  }

  /** Whether it takes submits now. */
  get bound(): boolean {
    return this.#bound && this.role !== "receiver";
  }

  /** Window slots not yet promised to a part. */
  get free(): number {
    return this.bound ? Math.max(0, this.#carrier.config.window - this.#reserved) : 0;
  }

  /**
   * Queues a message's parts and writes what the window and the bucket allow; called by the adapter
   * after checking `free`.
   */
  submit(jobs: readonly PartJob[]): void {
    this.#queue.push(...jobs);
    this.#reserved += jobs.length;
    this.#pump();
  }

  protected override init(): void {
    this.send({ type: "connect" }, "system");
  }

  protected override async handleInfo(msg: Info): Promise<void> {
    switch (msg.type) {
      case "connect":
        return this.#connect();
      case "request":
        return this.#answer(msg.pdu);
      case "pump":
        this.#pumpScheduled = false;
        return this.#pump();
      case "retry":
        if (!this.#retrying.delete(msg.job)) return;
        this.#queue.unshift(msg.job);
        return this.#pump();
      case "enquire_link":
        return this.#enquireLink();
      case "sweep":
        return this.#sweep();
    }
  }

  async #connect(): Promise<void> {
    const config = this.#carrier.config;
    this.#connection = await SmppConnection.open(
      {
        host: config.host,
        port: config.port,
        tls: config.tls,
        timeoutMs: config.connectTimeoutMs,
        maxPduBytes: config.maxPduBytes,
      },
      {
        onRequest: (pdu) =>
          this.send({ type: "request", pdu }, pdu.command === "enquire_link" ? "urgent" : "system"),
        onResponse: (pdu) => this.#received(pdu),
        onInvalid: (reason) => {
          this.#carrier.counters.invalidPdus++;
          this.log.warn({ process: this.name, reason }, "invalid PDU from SMSC");
        },
        onClose: (error) => {
          this.#carrier.counters.connectionsLost++;
          this.#rejectControl(new HermesError(ErrorCode.CONNECTION_LOST, "connection closed"));
          this.#drained?.(); // a stop waiting for answers will get none now
          this.exit(
            new HermesError(
              ErrorCode.CONNECTION_LOST,
              `connection to ${config.host}:${config.port} lost${error ? `: ${error.message}` : ""}`,
            ),
          );
        },
      },
    );
    const response = await this.#controlRequest(
      bindCommands[this.role],
      libraryPdu(bindCommands[this.role], {
        system_id: config.systemId,
        password: config.password,
        system_type: config.systemType,
        interface_version: 0x34,
        address_range: config.addressRange,
      }),
      config.bindTimeoutMs,
    );
    if (response.command_status !== commandStatus.ok) {
      const code = isAuthFailure(response.command_status)
        ? ErrorCode.PROVIDER_AUTH
        : ErrorCode.PROVIDER_UNAVAILABLE;
      throw new HermesError(
        code,
        `${bindCommands[this.role]} refused: ${statusText(response.command_status)}`,
        { providerCode: statusText(response.command_status) },
      );
    }
    this.#bound = true;
    this.#carrier.counters.binds++;
    this.log.info(
      { process: this.name, host: config.host, port: config.port },
      "SMPP session bound",
    );
    this.sendAfter(config.enquireLinkIntervalMs, { type: "enquire_link" }, "urgent");
    this.sendAfter(this.#sweepInterval(), { type: "sweep" }, "system");
    this.#carrier.sessionBound(this);
    this.#pump();
  }

  /** Sends a request whose answer the session itself waits for (bind, enquire_link, unbind). */
  #controlRequest(command: string, pdu: Buffer, timeoutMs: number): Promise<Response> {
    return new Promise((resolve, reject) => {
      const sequence = this.#connection?.request(pdu) ?? 0;
      if (sequence === 0) {
        reject(new HermesError(ErrorCode.CONNECTION_LOST, `${command}: connection closed`));
        return;
      }
      const timer = setTimeout(() => {
        this.#control.delete(sequence);
        reject(
          new HermesError(ErrorCode.TIMEOUT, `${command} not answered within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.#control.set(sequence, { resolve, reject, timer });
    });
  }

  /** The socket reader's responses settle at once (requests go to the mailbox by urgency). */
  #received(pdu: Response): void {
    const sequence = pdu.sequence_number;
    const waiter = this.#control.get(sequence);
    if (waiter) {
      this.#control.delete(sequence);
      clearTimeout(waiter.timer);
      waiter.resolve(pdu);
      return;
    }
    const entry = this.#inFlight.get(sequence);
    if (entry && (pdu.command === "submit_sm_resp" || pdu.command === "generic_nack")) {
      this.#inFlight.delete(sequence);
      this.#answered(entry.job, pdu);
      return;
    }
    this.#carrier.counters.lateResponses++;
  }

  #answered(job: PartJob, pdu: HotResponse): void {
    const status = pdu.command_status;
    const config = this.#carrier.config;
    if (status === commandStatus.ok && pdu.command === "submit_sm_resp") {
      const id = normalizeId(pdu.message_id, config.submitIdFormat, config.submitIdFormat);
      this.#carrier.counters.submitted++;
      job.submission.partAccepted(job.index, id);
      this.#release(1);
      return;
    }
    const cls = statusClass(status);
    if (cls === "throttled") {
      this.#carrier.counters.throttled++;
      this.#carrier.bucket.throttle();
      if (job.throttleRetries++ < config.maxThrottleRetries && !job.submission.settled) {
        this.#queue.unshift(job);
        this.#schedulePump();
        return;
      }
    } else if (
      cls === "temporary" &&
      job.temporaryRetries++ < config.temporaryRetries &&
      !job.submission.settled
    ) {
      this.#retrying.add(job);
      this.sendAfter(config.temporaryRetryDelayMs, { type: "retry", job });
      return;
    }
    job.submission.fail(submitError(status, config.throttlePauseMs), { smpp_command: pdu.command });
    this.#release(1);
  }

  /** A part is finished: its window slot is free again. */
  #release(parts: number): void {
    this.#reserved -= parts;
    if (this.#drained && this.#inFlight.size === 0) this.#drained();
    this.#pump();
    this.#carrier.demandChanged();
  }

  #schedulePump(delayMs = 0): void {
    if (this.#pumpScheduled || !this.alive) return;
    this.#pumpScheduled = true;
    if (delayMs > 0) this.sendAfter(delayMs, { type: "pump" });
    else this.send({ type: "pump" });
  }

  /** Writes queued parts while the window has room and the bucket has tokens. */
  #pump(): void {
    const connection = this.#connection;
    if (!this.#bound || !connection || this.#queue.length === 0) return;
    const window = this.#carrier.config.window;
    let skipped = 0;
    while (this.#queue.length > 0 && this.#inFlight.size < window) {
      const job = this.#queue[0]!;
      if (job.submission.settled) {
        // Another part of its message failed already: drop it and free its slot.
        this.#queue.shift();
        this.#reserved--;
        skipped++;
        continue;
      }
      if (!this.#carrier.bucket.take()) {
        this.#schedulePump(Math.max(1, this.#carrier.bucket.waitMs()));
        break;
      }
      const sequence = connection.request(job.pdu);
      if (sequence === 0) break; // closing: the exit listener fails what is left
      this.#queue.shift();
      this.#inFlight.set(sequence, { job, sentAt: Date.now() });
      job.submission.written++;
    }
    if (skipped > 0) this.#carrier.demandChanged();
  }

  async #answer(pdu: Request): Promise<void> {
    const connection = this.#connection;
    if (!connection) return;
    switch (pdu.command) {
      case "enquire_link":
        connection.respond(pdu);
        return;
      case "unbind":
        connection.respond(pdu);
        connection.end();
        this.exit(new HermesError(ErrorCode.PROVIDER_UNAVAILABLE, "the SMSC unbound the session"));
        return;
      case "deliver_sm":
      case "data_sm":
        // Answered once the report is on disk (so a crash makes the SMSC redeliver), without
        // holding the mailbox.
        void this.#carrier.handleDeliver(pdu).then(
          (status) => connection.respond(pdu, status),
          () => connection.respond(pdu, commandStatus.systemError),
        );
        return;
      default:
        connection.nack(pdu.sequence_number, commandStatus.invalidCommandId);
    }
  }

  /** Not awaited: the SMSC's own requests must not wait behind our enquire_link's reply. */
  #enquireLink(): void {
    const config = this.#carrier.config;
    this.#controlRequest("enquire_link", enquireLink, config.enquireLinkTimeoutMs).then(
      () => this.sendAfter(config.enquireLinkIntervalMs, { type: "enquire_link" }, "urgent"),
      // No answer in time: the link is dead even if TCP has not noticed; the crash reconnects.
      (error: Error) => this.exit(error),
    );
  }

  /**
   * Fails parts the SMSC has not answered within responseTimeoutMs (oldest first: the table is in
   * send order).
   */
  #sweep(): void {
    const config = this.#carrier.config;
    const deadline = Date.now() - config.responseTimeoutMs;
    let expired = 0;
    for (const [sequence, entry] of this.#inFlight) {
      if (entry.sentAt > deadline) break;
      this.#inFlight.delete(sequence);
      this.#carrier.counters.timeouts++;
      this.#carrier.counters.duplicateRisk++;
      entry.job.submission.fail(
        errorDetail(
          ErrorCode.TIMEOUT,
          `no submit_sm_resp within ${config.responseTimeoutMs} ms; the SMSC may still deliver it`,
          { retryable: true },
        ),
        { duplicate_risk: "true" },
      );
      expired++;
    }
    if (expired > 0) this.#release(expired);
    this.sendAfter(this.#sweepInterval(), { type: "sweep" }, "system");
  }

  #sweepInterval(): number {
    return Math.max(10, Math.min(1000, Math.floor(this.#carrier.config.responseTimeoutMs / 4)));
  }

  /** A graceful stop: no new submits, let the window drain, unbind, close. */
  protected override async terminate(reason: ExitReason): Promise<void> {
    const connection = this.#connection;
    const wasBound = this.#bound;
    this.#bound = false;
    this.#carrier.sessionLost(this);
    if (!connection || connection.closed || reason instanceof Error || !wasBound) return;
    if (this.#inFlight.size > 0) {
      const drained = new Promise<void>((resolve) => (this.#drained = resolve));
      await Promise.race([drained, delay(this.#carrier.config.drainTimeoutMs)]);
    }
    await this.#controlRequest("unbind", libraryPdu("unbind"), 1000).catch(() => undefined);
    connection.end();
  }

  /** Runs on every exit, even a kill: nothing given to this session stays unsettled. */
  #cleanUp(reason: ExitReason): void {
    this.#bound = false;
    this.#carrier.sessionLost(this);
    this.#rejectControl(new HermesError(ErrorCode.CONNECTION_LOST, "session ended"));
    const why = reason instanceof Error ? reason.message : "session stopped";
    let released = 0;
    for (const { job } of this.#inFlight.values()) {
      if (!job.submission.settled) this.#carrier.counters.duplicateRisk++;
      job.submission.fail(
        errorDetail(
          ErrorCode.CONNECTION_LOST,
          `the SMPP session ended with this part unanswered (${why}); it may have been delivered`,
          { retryable: true },
        ),
        { duplicate_risk: "true" },
      );
      released++;
    }
    this.#inFlight.clear();
    for (const job of [...this.#queue, ...this.#retrying]) {
      const code =
        job.submission.written > 0 ? ErrorCode.CONNECTION_LOST : ErrorCode.PROVIDER_UNAVAILABLE;
      job.submission.fail(
        errorDetail(code, `the SMPP session ended before this part was sent (${why})`, {
          retryable: true,
        }),
      );
      released++;
    }
    this.#queue = [];
    this.#retrying.clear();
    this.#reserved = 0;
    this.#connection?.destroy();
    if (released > 0) this.#carrier.demandChanged();
  }

  #rejectControl(error: Error): void {
    for (const waiter of this.#control.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.#control.clear();
  }

  protected override describe(): Record<string, string> {
    return {
      role: this.role,
      bind: this.#bound ? "bound" : "unbound",
      in_flight: String(this.#inFlight.size),
      queued: String(this.#queue.length),
      window: String(this.#carrier.config.window),
    };
  }
}

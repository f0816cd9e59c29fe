import { randomInt } from "node:crypto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { DeliveryEventKind, type Address, type Message } from "../../gen/hermes/v1/message_pb.js";
import { RouteState } from "../../gen/hermes/v1/admin_service_pb.js";
import { ErrorCode, HermesError, errorDetail } from "../../errors/hermes-error.js";
import { Supervisor, type ChildSpec, type ExitReason } from "../../kernel/index.js";
import type {
  AdapterContext,
  AdapterFactory,
  AdapterHealth,
  ChannelAdapter,
  SendOutcome,
} from "../../router/adapter.js";
import { LeasedChildren } from "../../router/leased-children.js";
import { absoluteTime, sourceAddress, toHermesAddress } from "./addresses.js";
import { parseSmppConfig, type SmppConfig } from "./config.js";
import { commandStatus } from "./connection.js";
import { concatenationOf, InboundParts } from "./inbound-parts.js";
import { MultipartReceipts } from "./multipart-receipts.js";
import { meaningOf, normalizeId, parseReceipt, receiptDetail } from "./receipts.js";
import { SmppSession, type Carrier, type CarrierCounters, type SessionRole } from "./session.js";
import { encodePdu } from "./pdu-codec.js";
import type { DataSm, DeliverSm } from "./pdu-types.js";
import { decodeText, encodeText, splitUserData } from "./sms-encoding.js";
import { Submission, type PartJob } from "./submission.js";
import { TokenBucket } from "./token-bucket.js";
import { type MessageTracer, noTracing } from "../../tracing/tracer.js";

// esm_class message type bits (2-5): SMSC delivery receipt, intermediate notification.
const esmTypeMask = 0x3c;
const receiptTypes = new Set([0x04, 0x20]);

/** An inbound message's addresses and detail, kept while its parts arrive. */
interface InboundMessage {
  readonly from: Address;
  readonly to: Address;
  readonly detail: Readonly<Record<string, string>>;
}

/**
 * The SMPP carrier driver: one route, one carrier. Under the route's
 * supervisor it starts the carrier's supervisor (one_for_one, restart
 * intensity and reconnect backoff from the config) with one actor per bind.
 * `demand()` is the window room left on bound sessions, so a full window
 * stops the router's feeder; `send` encodes and splits the text, hands
 * the parts to the emptiest bound session and resolves once the SMSC has
 * answered every part. Receipts and MO messages come back through
 * `ctx.report`. When the carrier's supervisor gives up (too many restarts)
 * the route is DOWN (the router fails over) and the carrier is tried again
 * after `downCooldownMs`.
 */
export class SmppAdapter implements ChannelAdapter, Carrier {
  readonly type = "smpp";
  readonly config: SmppConfig;
  readonly bucket: TokenBucket;
  readonly counters: CarrierCounters = {
    submitted: 0,
    timeouts: 0,
    duplicateRisk: 0,
    throttled: 0,
    invalidPdus: 0,
    lateResponses: 0,
    binds: 0,
    connectionsLost: 0,
  };
  readonly #multipart = new MultipartReceipts();
  // Parts of concatenated MO messages; what is still incomplete after the timeout is reported as it
  // is.
  readonly #inboundParts: InboundParts<InboundMessage>;
  readonly #sessions = new Set<SmppSession>();
  #ctx: AdapterContext | undefined;
  #tracer: MessageTracer = noTracing;
  #supervisor: Supervisor | undefined;
  /** On a cluster, the binds this node holds leases for; undefined: every bind. */
  #leased: LeasedChildren | undefined;
  #reference = randomInt(0, 0xffff);
  #down: string | undefined;
  #cooldown: NodeJS.Timeout | undefined;
  #stopping = false;
  #everBound = false;

  constructor(config: SmppConfig) {
    this.config = config;
    this.bucket = new TokenBucket(config.throughput, config.burst, config.throttlePauseMs);
    this.#inboundParts = new InboundParts(
      config.inboundPartsTimeoutMs,
      (message, text, received, total) =>
        this.#reportInbound(
          {
            ...message,
            detail: {
              ...message.detail,
              smpp_parts: String(total),
              smpp_parts_received: String(received),
              incomplete: "true",
            },
          },
          text,
        ).catch((reason) =>
          this.log.error(
            { err: reason, route: this.route },
            "recording an incomplete inbound message failed",
          ),
        ),
    );
  }

  get route(): string {
    return this.#context().route;
  }

  get log() {
    return this.#context().log;
  }

  /** Bound sessions that take submits. */
  get sessions(): readonly SmppSession[] {
    return [...this.#sessions].filter((s) => s.bound);
  }

  async start(ctx: AdapterContext): Promise<void> {
    this.#ctx = ctx;
    this.#tracer = ctx.tracer ?? noTracing;
    this.#leased =
      ctx.leases &&
      new LeasedChildren(
        ctx.leases,
        (id) => `${ctx.route}.${id}`,
        this.#bindSpecs(),
        () => this.#supervisor,
      );
    await ctx.supervisor.startChild(this.#carrierSpec());
    this.#leased?.start();
  }

  /** One child per bind, as the config asks for. */
  #bindSpecs(): ChildSpec[] {
    const config = this.config;
    const roles: Array<[SessionRole, number]> =
      config.bindMode === "transceiver"
        ? [["transceiver", config.sessions]]
        : [
            ["transmitter", config.sessions],
            ["receiver", config.receivers],
          ];
    return roles.flatMap(([role, count]) =>
      Array.from({ length: count }, (_, i) => ({
        id: `${role}-${i + 1}`,
        start: () => new SmppSession(this, role, i + 1).start(),
        shutdown: config.drainTimeoutMs + 2000,
      })),
    );
  }

  #carrierSpec(): ChildSpec {
    const config = this.config;
    const children = this.#bindSpecs();
    return {
      id: this.#carrierId(),
      type: "supervisor",
      // A supervisor that gave up exits with a shutdown reason: not restarted by the route, cooled
      // down here.
      restart: "transient",
      start: async () => {
        const supervisor = await Supervisor.start({
          name: this.#carrierId(),
          strategy: "one_for_one",
          intensity: config.maxRestarts,
          period: config.restartPeriodMs,
          backoff: { initialMs: config.reconnectInitialMs, maxMs: config.reconnectMaxMs },
          children: this.#leased?.held() ?? children,
          logger: this.log,
        });
        this.#supervisor = supervisor;
        supervisor.onExit((reason) => this.#carrierExited(supervisor, reason));
        return supervisor;
      },
    };
  }

  #carrierId(): string {
    return `carrier:${this.route}`;
  }

  #carrierExited(supervisor: Supervisor, reason: ExitReason): void {
    if (this.#stopping || supervisor !== this.#supervisor) return;
    if (
      typeof reason !== "object" ||
      reason instanceof Error ||
      reason.shutdown !== "reached_max_restart_intensity"
    )
      return;
    this.#down = `too many restarts (more than ${this.config.maxRestarts} in ${this.config.restartPeriodMs} ms); retrying in ${this.config.downCooldownMs} ms`;
    this.log.error({ route: this.route }, `SMPP carrier DOWN: ${this.#down}`);
    this.#cooldown = setTimeout(() => void this.#restartCarrier(), this.config.downCooldownMs);
    this.#cooldown.unref();
  }

  async #restartCarrier(): Promise<void> {
    const ctx = this.#context();
    try {
      await ctx.supervisor.removeChild(this.#carrierId());
      await ctx.supervisor.startChild(this.#carrierSpec());
    } catch (reason) {
      this.log.error({ err: reason, route: this.route }, "restarting the SMPP carrier failed");
    }
  }

  demand(): number {
    let free = 0;
    for (const session of this.#sessions) free += session.free;
    return free;
  }

  /** Refuses at accept a text that needs more parts than this route allows (nothing is stored). */
  validate(message: Message): void {
    const text = message.content?.text ?? "";
    // Up to 70 UTF-16 units fits one part in every alphabet: the common case costs nothing.
    if (text.length <= 70) return;
    encodeText(text, this.config, () => 0);
  }

  async send(message: Message, attempt: number): Promise<SendOutcome> {
    // Everything up to handing the parts to a session is synchronous: the feeder reads demand()
    // right after.
    const session = this.#emptiestSession();
    if (!session) {
      return {
        kind: "failed",
        error: errorDetail(ErrorCode.PROVIDER_UNAVAILABLE, "no SMPP session is bound", {
          retryable: true,
        }),
      };
    }
    let jobs: PartJob[];
    let submission: Submission;
    try {
      ({ jobs, submission } = this.#prepare(message, attempt));
    } catch (reason) {
      return {
        kind: "failed",
        error: HermesError.from(reason, ErrorCode.INVALID_ARGUMENT).toDetail(),
      };
    }
    const span = this.#tracer.span("smpp.submit_sm", message.id, "client");
    span.set("smpp.parts", jobs.length);
    session.submit(jobs);
    return span.endWith(submission.outcome);
  }

  #emptiestSession(): SmppSession | undefined {
    let best: SmppSession | undefined;
    for (const session of this.#sessions)
      if (session.free > 0 && (!best || session.free > best.free)) best = session;
    return best;
  }

  #prepare(message: Message, attempt: number): { jobs: PartJob[]; submission: Submission } {
    const config = this.config;
    const to = message.to?.kind.case === "phone" ? message.to.kind.value : "";
    if (!/^\+?[0-9]{3,20}$/.test(to)) {
      throw new HermesError(
        ErrorCode.INVALID_RECIPIENT,
        "an SMS needs to.phone, e.g. +447700900123",
        { field: "to.phone", retryable: false },
      );
    }
    const text = message.content?.text ?? "";
    if (!text)
      throw new HermesError(ErrorCode.INVALID_ARGUMENT, "an SMS needs content.text", {
        field: "content.text",
        retryable: false,
      });
    const from = sourceAddress(
      message.from?.kind.case === "phone" ? message.from.kind.value : config.sourceAddress,
      { ton: config.sourceTon, npi: config.sourceNpi },
    );
    const encoded = encodeText(
      text,
      config,
      () => (this.#reference = (this.#reference + 1) & 0xffff),
    );
    const expires = message.expiresAt ? timestampDate(message.expiresAt) : undefined;
    const validity =
      config.sendValidity && expires && expires.getTime() > Date.now() ? absoluteTime(expires) : "";
    const destination = to.replace(/^\+/, "");
    const priority = Math.min(3, Math.floor(message.priority / 3));
    const parts = encoded.parts.length;
    const group =
      parts > 1 && config.multipartReceipts === "all" ? this.#multipart.open(parts) : undefined;
    const detail = {
      smpp_parts: String(parts),
      smpp_encoding: encoded.alphabet,
      attempt: String(attempt),
    };
    const submission = new Submission(
      parts,
      detail,
      group ? (id) => this.#multipart.add(group, id) : undefined,
    );
    const jobs = encoded.parts.map(
      (part, index): PartJob => ({
        submission,
        index,
        // Every field written out, none spread in: each submit_sm has one shape,
        // and the codec reads it on V8's fast path (a spread one took ~20x longer).
        pdu: encodePdu({
          command: "submit_sm",
          command_status: 0,
          sequence_number: 0, // the connection numbers each write
          service_type: config.serviceType,
          source_addr_ton: from.ton,
          source_addr_npi: from.npi,
          source_addr: from.addr,
          dest_addr_ton: config.destTon,
          dest_addr_npi: config.destNpi,
          destination_addr: destination,
          esm_class: part.esmClass,
          protocol_id: 0,
          priority_flag: priority,
          schedule_delivery_time: "",
          validity_period: validity,
          registered_delivery: config.registeredDelivery,
          replace_if_present_flag: 0,
          data_coding: encoded.dataCoding,
          sm_default_msg_id: 0,
          short_message: part.shortMessage,
          message_payload: part.tlvs.message_payload,
          sar_msg_ref_num: part.tlvs.sar_msg_ref_num,
          sar_total_segments: part.tlvs.sar_total_segments,
          sar_segment_seqnum: part.tlvs.sar_segment_seqnum,
        }),
        throttleRetries: 0,
        temporaryRetries: 0,
      }),
    );
    return { jobs, submission };
  }

  sessionBound(session: SmppSession): void {
    this.#sessions.add(session);
    this.#everBound = true;
    this.#down = undefined;
    this.demandChanged();
  }

  sessionLost(session: SmppSession): void {
    this.#sessions.delete(session);
  }

  demandChanged(): void {
    this.#ctx?.demandChanged();
  }

  /**
   * A deliver_sm (or data_sm): a receipt becomes a status report, anything else an inbound message.
   */
  async handleDeliver(pdu: DeliverSm | DataSm): Promise<number> {
    // The text is in short_message, or in message_payload when that is empty (and always for
    // data_sm).
    const data =
      pdu.command === "deliver_sm" && pdu.short_message.length > 0
        ? pdu.short_message
        : (pdu.message_payload ?? Buffer.alloc(0));
    const { udh, message } = splitUserData(data, pdu.esm_class);
    const text = decodeText(message, pdu.data_coding);
    const isReceipt =
      receiptTypes.has(pdu.esm_class & esmTypeMask) || pdu.receipted_message_id !== undefined;
    return isReceipt ? this.#receipt(pdu, text) : this.#inbound(pdu, udh, text);
  }

  async #inbound(pdu: DeliverSm | DataSm, udh: Buffer | undefined, text: string): Promise<number> {
    if (!pdu.source_addr) return commandStatus.invalidSourceAddress; // nothing to report an MO as
    const message: InboundMessage = {
      from: toHermesAddress(pdu.source_addr, pdu.source_addr_ton),
      to: toHermesAddress(pdu.destination_addr, pdu.dest_addr_ton),
      detail: { smpp_data_coding: String(pdu.data_coding) },
    };
    const part = concatenationOf(udh, {
      ref: pdu.sar_msg_ref_num,
      total: pdu.sar_total_segments,
      seq: pdu.sar_segment_seqnum,
    });
    if (!part) {
      await this.#reportInbound(message, text);
      return 0;
    }
    const whole = this.#inboundParts.add(
      `${pdu.source_addr}\u0000${pdu.destination_addr}`,
      part,
      text,
      message,
    );
    if (whole !== undefined)
      await this.#reportInbound(
        { ...message, detail: { ...message.detail, smpp_parts: String(part.total) } },
        whole,
      );
    return 0;
  }

  #reportInbound(message: InboundMessage, text: string): Promise<void> {
    const ctx = this.#context();
    return ctx.report({
      kind: DeliveryEventKind.INBOUND,
      from: message.from,
      to: message.to,
      text,
      detail: { route: ctx.route, ...message.detail },
    });
  }

  async #receipt(pdu: DeliverSm | DataSm, text: string): Promise<number> {
    const ctx = this.#context();
    const receipt = parseReceipt(text, {
      receipted_message_id: pdu.receipted_message_id,
      message_state: pdu.message_state,
      network_error_code: pdu.network_error_code,
    });
    if (!receipt) {
      // Unreadable: answering an error would only make the SMSC send it again and again.
      this.counters.invalidPdus++;
      this.log.warn({ route: ctx.route, text }, "unreadable delivery receipt");
      return 0;
    }
    const config = this.config;
    const id = receipt.tlvId
      ? normalizeId(receipt.tlvId, config.submitIdFormat, config.submitIdFormat)
      : normalizeId(receipt.id!, config.receiptIdFormat, config.submitIdFormat);
    const meaning = this.#multipart.decide(id, meaningOf(receipt));
    // A receipt comes from the number the message went to: it tells messages with one id apart.
    const address = typeof pdu.source_addr === "string" ? pdu.source_addr : undefined;
    await ctx.report({
      kind: meaning.kind,
      providerMessageId: id,
      address,
      status: meaning.status,
      error: meaning.error,
      detail: {
        ...receiptDetail(receipt),
        ...(address ? { smpp_source_addr: address } : {}),
        ...("detail" in meaning ? meaning.detail : {}),
      },
      time: receipt.doneDate,
    });
    return 0;
  }

  health(): AdapterHealth {
    const bound = this.sessions.length;
    const detail: Record<string, string> = {
      sessions_bound: String(bound),
      sessions: String(this.config.sessions),
      window_free: String(this.demand()),
      submitted: String(this.counters.submitted),
      throttled: String(this.counters.throttled),
      timeouts: String(this.counters.timeouts),
      duplicate_risk: String(this.counters.duplicateRisk),
      invalid_pdus: String(this.counters.invalidPdus),
      late_responses: String(this.counters.lateResponses),
      connections_lost: String(this.counters.connectionsLost),
      effective_rate: String(this.bucket.effectiveRate),
    };
    if (this.#down) return { state: RouteState.DOWN, reason: this.#down, detail };
    if (bound === 0 && this.#leased?.held().length === 0)
      return {
        state: RouteState.DEGRADED,
        reason: "other nodes hold this carrier's binds",
        detail,
      };
    if (bound === 0)
      return {
        state: RouteState.DEGRADED,
        reason: this.#everBound ? "no SMPP session bound; reconnecting" : "binding",
        detail,
      };
    if (bound < this.config.sessions)
      return {
        state: RouteState.DEGRADED,
        reason: `${bound} of ${this.config.sessions} sessions bound`,
        detail,
      };
    if (this.config.bindMode === "transmitter+receiver") {
      const receivers = [...this.#sessions].filter((s) => s.role === "receiver").length;
      detail.receivers_bound = String(receivers);
      // Submits work, but receipts and MO wait at the SMSC until a receiver binds.
      if (receivers < this.config.receivers)
        return {
          state: RouteState.DEGRADED,
          reason: `${receivers} of ${this.config.receivers} receivers bound`,
          detail,
        };
    }
    return { state: RouteState.UP, detail };
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#cooldown) clearTimeout(this.#cooldown);
    await this.#leased?.stop();
    await this.#supervisor?.stop("shutdown");
    this.#inboundParts.stop();
  }

  #context(): AdapterContext {
    if (!this.#ctx) throw new Error("the SMPP adapter has not been started");
    return this.#ctx;
  }
}

/** Builds an smpp route's adapter from its config (see docs/smpp.md for every key). */
export const createSmppAdapter: AdapterFactory = (config) =>
  new SmppAdapter(parseSmppConfig(config));

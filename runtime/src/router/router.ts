import { toBinary } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import type { GatewayConfig, RouteConfig } from "../config/gateway-config.js";
import { ErrorCode, HermesError, errorDetail } from "../errors/hermes-error.js";
import type { EventBus } from "../events/event-bus.js";
import { RouteState } from "../gen/hermes/v1/admin_service_pb.js";
import {
  Channel,
  DeliveryEventKind,
  type Message,
  MessageSchema,
  MessageStatus,
} from "../gen/hermes/v1/message_pb.js";
import type { Scheduler } from "../scheduling/scheduler.js";
import type { SendPlan } from "../scheduling/send-plan.js";
import { newMessageId } from "../store/ids.js";
import type {
  AcceptResult,
  MessageStore,
  NewMessage,
  Transition,
  TransitionOutcome,
} from "../store/message-store.js";
import {
  isCancellable,
  isTerminal,
  lostAttempt,
  type MessageState,
} from "../store/message-state.js";
import { condemnation } from "../suppression/report-rules.js";
import { type SuppressionList, suppressedError } from "../suppression/suppression-list.js";
import type {
  AdapterHealth,
  ChannelAdapter,
  ProviderReport,
  SendOutcome,
  WebhookReply,
  WebhookRequest,
} from "./adapter.js";
import { recipientOf } from "./receipt-matching.js";
import { ReportCorrelator } from "./report-correlator.js";
import { reportEvent } from "./report-events.js";
import { decideRetry } from "./retry-policy.js";
import { RouteFeeder } from "./route-feeder.js";
import type { RouteSupervisor } from "./route-supervisor.js";
import { RouteTable } from "./route-table.js";
import type { RouterMetrics } from "./router-metrics.js";
import { validateMessage } from "./validation.js";
import type { QueueHooks, WorkQueue, WorkQueueFactory } from "./work-queue.js";
import { type MessageTracer, noSpan, noTracing, type TraceSpan } from "../tracing/tracer.js";

/** How long a provider id keeps pointing at its message: the window carriers send receipts in. */
export const correlationTtlMs = 72 * 3600 * 1000;

export interface RouteRuntime {
  readonly config: RouteConfig;
  readonly adapter: ChannelAdapter;
  readonly feeder: WorkQueue;
  readonly supervisor: RouteSupervisor;
}

export interface RouterOptions {
  readonly config: GatewayConfig;
  readonly store: MessageStore;
  readonly bus: EventBus;
  readonly metrics: RouterMetrics;
  readonly log: Logger;
  /** Where each route's messages wait; default: the in-memory RouteFeeder. */
  readonly queues?: WorkQueueFactory;
  /** Follows messages through the pipeline; default: no tracing. */
  readonly tracer?: MessageTracer;
  /**
   * Holds messages sent for later (send_at, quiet hours) until they are due.
   * Absent (a NATS cluster): a send_at is refused.
   */
  readonly scheduler?: Scheduler;
  /**
   * The tenants' suppression lists: a message to a suppressed address is
   * REJECTED before routing; inbound keywords, hard bounces and complaints
   * change them.
   */
  readonly suppressions?: SuppressionList;
}

/** One item of an accept: the stored message, or why it was refused. */
export type AcceptOutcome =
  | ({ readonly ok: true } & AcceptResult)
  | { readonly ok: false; readonly error: HermesError };

/** What a cancel came to: the message's state after it, or that the tenant has no such message. */
export type CancelOutcome =
  | { readonly kind: "cancelled" | "refused"; readonly state: MessageState }
  | { readonly kind: "not_found" };

/**
 * The router owns the life of a message after the API: it validates and
 * stores what callers send, queues each message on its route's feeder,
 * records every attempt's intent and outcome and every provider report as a
 * transition, retries with backoff, expires what outlives its validity and
 * fails routes over.
 */
export class Router {
  readonly #options: RouterOptions;
  readonly #table: RouteTable;
  readonly #routes = new Map<string, RouteRuntime>();
  readonly #correlator: ReportCorrelator;
  /** Messages being stored right now, per route: they count against its queue's bound. */
  readonly #accepting = new Map<string, number>();
  /** Messages that may have left before a crash; their next send is flagged. */
  readonly #atRisk = new Set<string>();
  readonly #tracer: MessageTracer;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: RouterOptions) {
    this.#options = options;
    this.#tracer = options.tracer ?? noTracing;
    this.#table = new RouteTable(options.config.routes);
    this.#correlator = new ReportCorrelator(options.store, {
      apply: (report, messageId) => this.#applyReport(report, messageId),
      unmatched: (route, report, reason) => this.#recordUnmatched(route, report, reason),
      sendsInFlight: (route) => {
        const feeder = this.#routes.get(route)?.feeder;
        return !!feeder && (feeder.shared === true || feeder.inFlight > 0);
      },
    });
    options.scheduler?.start((ids) => {
      for (const id of ids)
        this.#due(id).catch((err) =>
          options.log.error({ err, messageId: id }, "queueing a message that came due failed"),
        );
    });
  }

  /** Adds a started route; its feeder starts pumping. */
  addRoute(
    config: RouteConfig,
    adapter: ChannelAdapter,
    supervisor: RouteSupervisor,
  ): RouteRuntime {
    const hooks: QueueHooks = {
      beforeSend: (message, attempt) => this.#beforeSend(config, message, attempt),
      onOutcome: (message, attempt, outcome) =>
        this.#recordOutcome(config, message, attempt, outcome),
      onHookError: (message, reason) =>
        this.#options.log.error(
          { err: reason, messageId: message.id, route: config.name },
          "recording an outcome failed",
        ),
      recoverLostAttempt: (message, state) => this.#recoverLostAttempt(message, state),
    };
    const feeder = this.#options.queues
      ? this.#options.queues(config, adapter, hooks)
      : new RouteFeeder(adapter, hooks);
    const runtime = { config, adapter, feeder, supervisor };
    this.#routes.set(config.name, runtime);
    return runtime;
  }

  get routes(): readonly RouteRuntime[] {
    return [...this.#routes.values()];
  }

  /**
   * Queues again every message that was waiting when the gateway last
   * stopped; one that waits for a time (sent for later, or a retry) goes to
   * the scheduler, by id. One whose last attempt was under way (its intent
   * recorded, its outcome not) may have reached the provider: that attempt
   * counts, and its next send is flagged as a possible duplicate.
   */
  async resume(): Promise<number> {
    let resumed = 0;
    const now = Date.now();
    for (const { message, state } of await this.#options.store.unfinished()) {
      if (state.status === MessageStatus.SUBMITTED) continue; // waiting for a report, not for us
      const route = this.#routes.get(state.route);
      if (!route) continue;
      if (lostAttempt(state)) await this.#recoverLostAttempt(message, state);
      const scheduler = this.#options.scheduler;
      if (state.nextAttemptAt <= now) route.feeder.enqueue(message);
      else if (scheduler) scheduler.hold(message.id, state.nextAttemptAt);
      else route.feeder.enqueueAfter(message, state.nextAttemptAt - now);
      resumed++;
    }
    return resumed;
  }

  /** Counts an attempt whose outcome a stop left unknown, and flags the message's next send. */
  async #recoverLostAttempt(message: Message, state: MessageState): Promise<void> {
    this.#atRisk.add(message.id);
    message.attempts = state.started;
    await this.#transition(message.id, {
      attempts: state.started,
      event: {
        kind: DeliveryEventKind.PROGRESS,
        detail: {
          duplicate_risk: "true",
          reason: `the gateway stopped while attempt ${state.started} was under way; its outcome is unknown`,
        },
      },
    });
  }

  /** Starts the once-a-second housekeeping: expiry, failover, hourly correlation purge. */
  startHousekeeping(intervalMs = 1000): void {
    let ticks = 0;
    const log = this.#options.log;
    this.#sweeper = setInterval(() => {
      this.#expire().catch((err) => log.error({ err }, "expiry sweep failed"));
      this.#failOver();
      if (++ticks % 3600 === 0) {
        this.#options.store
          .purgeCorrelations(Date.now())
          .catch((err) => log.error({ err }, "purging correlations failed"));
      }
    }, intervalMs);
    this.#sweeper.unref();
  }

  /**
   * Validates and durably stores messages for a tenant, then queues them.
   * Each message stands alone: an invalid one is refused with a field-level
   * reason, one whose route's queue is full with QUEUE_FULL, and neither
   * affects the others or is stored. `trace` is the span of the call that
   * sent them: their spans go under it.
   */
  async accept(
    tenant: string,
    requested: readonly Message[],
    trace: TraceSpan = noSpan,
  ): Promise<AcceptOutcome[]> {
    const outcomes: AcceptOutcome[] = new Array(requested.length);
    const toStore: NewMessage[] = [];
    const positions: number[] = [];
    const now = Date.now();
    for (let i = 0; i < requested.length; i++) {
      try {
        toStore.push(this.#prepare(tenant, requested[i]!, now));
        positions.push(i);
      } catch (reason) {
        const error = HermesError.from(reason);
        if (error.code === ErrorCode.INVALID_ARGUMENT) this.#options.metrics.invalid(error.field);
        outcomes[i] = { ok: false, error };
      }
    }
    if (toStore.length === 0) return outcomes;
    let stored: AcceptResult[];
    try {
      const writing = this.#options.store.accept(toStore);
      this.#tracer.storing(toStore, trace, writing);
      stored = await writing;
    } finally {
      for (const { message } of toStore)
        if (message.route) this.#count(this.#accepting, message.route, -1);
    }
    for (let j = 0; j < stored.length; j++) {
      const result = stored[j]!;
      outcomes[positions[j]!] = { ok: true, ...result };
      if (result.duplicate) continue;
      this.#options.metrics.accepted(result.message.channel, tenant);
      if (result.event) this.#options.bus.publish(result.event);
      if (result.message.status === MessageStatus.ACCEPTED) {
        this.#tracer.queued(result.message.id, result.message.route, trace);
        this.#routes.get(result.message.route)?.feeder.enqueue(result.message);
      } else if (result.message.status === MessageStatus.QUEUED) {
        this.#options.scheduler?.hold(
          result.message.id,
          timestampMs(result.message.nextAttemptAt!),
        );
      }
    }
    return outcomes;
  }

  /**
   * Checks a request and turns it into the message to store: validated
   * (its body encoded once, for the size limit and for the store), routed,
   * checked by its route's adapter and against the route's queue bound, and
   * given its id, tenant, status and times. The caller's values for what the
   * gateway owns are replaced. A message sent for later is QUEUED until its
   * time; it waits outside its route's queue, so it does not count against
   * the queue's bound until it is due.
   */
  #prepare(tenant: string, message: Message, now: number): NewMessage {
    const body = toBinary(MessageSchema, message);
    validateMessage(message, body.byteLength, this.#options.config.limits);
    const suppressed = this.#options.suppressions?.match(tenant, message.channel, message.to);
    const plan = suppressed ? undefined : this.#plan(tenant, message, now);
    const route = suppressed
      ? undefined
      : this.#table.select(tenant, message.channel, (name) => this.#isUp(name));
    const runtime = route && this.#routes.get(route.name);
    if (runtime) {
      runtime.adapter.validate?.(message);
      // One held for later waits outside the route's queue until it is due.
      const waiting = plan ? 0 : runtime.feeder.queued + (this.#accepting.get(route.name) ?? 0);
      if (waiting >= this.#options.config.limits.maxQueuedPerRoute) {
        this.#options.metrics.queueFull(route.name);
        throw new HermesError(
          ErrorCode.QUEUE_FULL,
          `route ${route.name} has ${waiting} messages waiting, its limit (limits.maxQueuedPerRoute); nothing was stored, try again later`,
          { retryable: true },
        );
      }
    }
    // A cascade's step comes with the id its cascade recorded for it (cascades/cascade-engine.ts).
    if (!message.parentId || !message.id) message.id = newMessageId(now);
    message.tenant = tenant;
    message.attempts = 0;
    message.providerMessageId = "";
    message.createdAt = timestampFromMs(now);
    message.updatedAt = message.createdAt;
    if (message.nextAttemptAt) message.nextAttemptAt = undefined; // the gateway's to set
    if (!route) {
      message.route = "";
      message.status = MessageStatus.REJECTED;
      message.error = suppressed
        ? suppressedError(suppressed)
        : errorDetail(
            ErrorCode.NO_ROUTE,
            `no route serves ${Channel[message.channel]} for tenant ${tenant}`,
          );
      return { message, body };
    }
    message.route = route.name;
    message.status = MessageStatus.ACCEPTED;
    message.error = undefined;
    message.expiresAt ??= timestampFromMs((plan?.at ?? now) + route.validitySeconds * 1000);
    this.#count(this.#accepting, route.name, 1);
    if (!plan) return { message, body };
    message.status = MessageStatus.QUEUED;
    message.nextAttemptAt = timestampFromMs(plan.at);
    return { message, body, detail: plan.detail };
  }

  /** When a message sent for later goes; undefined: at once. */
  #plan(tenant: string, message: Message, now: number): SendPlan | undefined {
    const scheduler = this.#options.scheduler;
    if (scheduler) return scheduler.plan(tenant, message, now);
    if (message.sendAt)
      throw new HermesError(
        ErrorCode.INVALID_ARGUMENT,
        'send_at is not supported on a NATS cluster (store.kind "nats") yet',
        { field: "send_at" },
      );
    return undefined;
  }

  /**
   * A message held for later came due: it is read back from the store and
   * queued on its route, unless it finished meanwhile (cancelled, expired)
   * or its address was suppressed meanwhile (then it is REJECTED).
   */
  async #due(id: string): Promise<void> {
    const message = await this.#options.store.get(id);
    if (message?.status !== MessageStatus.QUEUED) return;
    const suppressed = this.#options.suppressions?.match(
      message.tenant,
      message.channel,
      message.to,
    );
    if (suppressed) {
      await this.#transition(id, {
        when: isCancellable,
        event: { status: MessageStatus.REJECTED, error: suppressedError(suppressed) },
      });
      return;
    }
    this.#routes.get(message.route)?.feeder.enqueue(message);
  }

  #count(counts: Map<string, number>, key: string, delta: number): void {
    counts.set(key, (counts.get(key) ?? 0) + delta);
  }

  #isUp(route: string): boolean {
    const runtime = this.#routes.get(route);
    return !!runtime && safeHealth(runtime.adapter).state !== RouteState.DOWN;
  }

  /**
   * Records the attempt's intent before it leaves (the feeder waits for it).
   * A message that finished while it waited (cancelled, expired) is not sent.
   */
  async #beforeSend(route: RouteConfig, message: Message, attempt: number): Promise<boolean> {
    if (this.#atRisk.has(message.id)) this.#options.metrics.duplicateRisk(route.name);
    this.#tracer.attemptStarted(message.id, route.name, attempt);
    const outcome = await this.#options.store.transition(message.id, { started: attempt });
    return !outcome || !isTerminal(outcome.state.status);
  }

  /**
   * Cancels a tenant's message that has not left (isCancellable): it becomes
   * REJECTED with CANCELLED and leaves its route's queue. The decision is
   * the store's, taken with the change, so an attempt that starts at the same
   * moment either sees the message cancelled (and does not send it) or wins
   * (and the cancel is refused).
   */
  async cancel(tenant: string, id: string): Promise<CancelOutcome> {
    const outcome = await this.#transition(id, {
      when: (state) => state.tenant === tenant && isCancellable(state),
      event: {
        status: MessageStatus.REJECTED,
        error: errorDetail(ErrorCode.CANCELLED, "cancelled before it left", { retryable: false }),
      },
    });
    if (!outcome || outcome.state.tenant !== tenant) return { kind: "not_found" };
    if (!outcome.event) return { kind: "refused", state: outcome.state };
    if (!this.#options.scheduler?.release(id))
      this.#routes.get(outcome.state.route)?.feeder.forget(id);
    return { kind: "cancelled", state: outcome.state };
  }

  async #recordOutcome(
    route: RouteConfig,
    message: Message,
    attempt: number,
    outcome: SendOutcome,
  ): Promise<void> {
    const { metrics } = this.#options;
    metrics.attempt(route.name, outcome.kind);
    this.#tracer.attemptEnded(message.id, outcome);
    const resent = this.#atRisk.delete(message.id);
    const detail = resent ? { ...outcome.detail, duplicate_risk: "true" } : outcome.detail;
    if (outcome.kind === "delivered" || outcome.kind === "submitted") {
      const providerIds = outcome.providerMessageId ? [outcome.providerMessageId] : [];
      if (outcome.kind === "submitted") providerIds.push(...(outcome.extraProviderIds ?? []));
      const address = recipientOf(message);
      const status =
        outcome.kind === "delivered" ? MessageStatus.DELIVERED : MessageStatus.SUBMITTED;
      // Recorded first: the store applies changes in call order, so reports
      // for these ids, decided once they are remembered, land after it.
      const recorded = this.#transition(message.id, {
        attempts: attempt,
        providerMessageId: outcome.providerMessageId ?? "",
        event: { status, detail, providerMessageId: outcome.providerMessageId },
      });
      if (providerIds.length === 0) {
        await recorded;
        return;
      }
      if (outcome.kind === "submitted") {
        this.#correlator.remember(route.name, providerIds, message.id, address);
      }
      const correlated = this.#options.store.correlate(
        route.name,
        providerIds.map((providerId) => ({ providerId, messageId: message.id, address })),
        Date.now() + correlationTtlMs,
      );
      await Promise.all([recorded, correlated]);
      return;
    }
    const error = outcome.error;
    // The provider may have taken a send whose answer never came back.
    const mayHaveBeenSent =
      error.code === ErrorCode.CONNECTION_LOST ||
      error.code === ErrorCode.TIMEOUT ||
      outcome.detail?.duplicate_risk === "true";
    const expiresAt = message.expiresAt ? timestampMs(message.expiresAt) : Number.MAX_SAFE_INTEGER;
    const decision = decideRetry(route.retry, attempt, error, Date.now(), expiresAt);
    if (decision.retry) {
      await this.#transition(message.id, {
        attempts: attempt,
        nextAttemptAt: Date.now() + decision.delayMs,
        event: {
          kind: DeliveryEventKind.RETRYING,
          status: MessageStatus.QUEUED,
          error,
          detail: { ...detail, retry_in_ms: String(decision.delayMs), attempt: String(attempt) },
        },
      });
      message.attempts = attempt;
      if (mayHaveBeenSent) this.#atRisk.add(message.id);
      this.#routes.get(route.name)?.feeder.enqueueAfter(message, decision.delayMs);
      return;
    }
    await this.#transition(message.id, {
      attempts: attempt,
      event: { status: decision.status, error: decision.error, detail },
    });
  }

  /** Stores a change, publishes its event, and notes a message that finished. */
  async #transition(id: string, change: Transition): Promise<TransitionOutcome | undefined> {
    const outcome = await this.#options.store.transition(id, change);
    if (!outcome) return undefined;
    if (outcome.event) this.#options.bus.publish(outcome.event);
    if (isTerminal(outcome.state.status) && !isTerminal(outcome.previous)) {
      this.#options.metrics.finished(outcome.state.route, outcome.state.status);
      this.#correlator.finished(id);
      this.#atRisk.delete(id);
      this.#tracer.finished(id);
    }
    return outcome;
  }

  /**
   * Records a provider report (receipt, webhook event, inbound message); resolves once it is
   * durable.
   */
  report(route: string, report: ProviderReport): Promise<void> {
    this.#options.metrics.report(route, report.kind);
    if (!report.messageId && !report.providerMessageId) return this.#recordInbound(route, report);
    return this.#correlator.submit(route, report);
  }

  async #applyReport(report: ProviderReport, messageId: string): Promise<void> {
    const span = this.#tracer.span("hermes.report", messageId);
    span.set("hermes.report.kind", DeliveryEventKind[report.kind] ?? "");
    if (report.status) span.set("hermes.report.status", MessageStatus[report.status] ?? "");
    if (report.providerMessageId) span.set("hermes.provider.message_id", report.providerMessageId);
    let outcome: TransitionOutcome | undefined;
    try {
      outcome = await this.#transition(messageId, { event: reportEvent(report) });
    } finally {
      span.end();
    }
    const suppressions = this.#options.suppressions;
    // A hard bounce or a complaint suppresses the address, once the report is recorded.
    const why = outcome && suppressions && condemnation(report);
    if (!why) return;
    const message = await this.#options.store.get(messageId);
    if (message) await suppressions!.condemned(message, why);
  }

  /** A report that is about no sent message (an inbound one): recorded on its own. */
  async #recordInbound(route: string, report: ProviderReport): Promise<void> {
    const runtime = this.#routes.get(route);
    const event = await this.#options.store.record({
      ...reportEvent(report, { route, ...report.detail }),
      messageId: `in_${newMessageId()}`,
      tenant: report.tenant ?? runtime?.config.tenants.find((t) => t !== "*") ?? "default",
      channel: runtime?.config.channel ?? Channel.UNSPECIFIED,
      status: report.status ?? MessageStatus.UNSPECIFIED,
    });
    // A STOP is in the list before anyone watching sees it (and before the provider hears back).
    await this.#options.suppressions?.inbound(route, event);
    this.#options.bus.publish(event);
  }

  /** Kept for the operator (visible to no tenant), counted and logged; never applied to a guess. */
  async #recordUnmatched(route: string, report: ProviderReport, reason: string): Promise<void> {
    this.#options.metrics.unmatchedReport(route, reason);
    this.#options.log.warn(
      { route, providerMessageId: report.providerMessageId, address: report.address, reason },
      "a provider report matched no message",
    );
    await this.#options.store.record(
      reportEvent(report, {
        ...report.detail,
        route,
        unmatched: reason,
        address: report.address ?? "",
      }),
    );
  }

  /** Hands a provider callback to its route's adapter. */
  async webhook(route: string, request: WebhookRequest): Promise<WebhookReply> {
    const runtime = this.#routes.get(route);
    if (!runtime?.adapter.handleWebhook) {
      return { status: 404, body: `no webhook endpoint for route ${route}\n` };
    }
    return runtime.adapter.handleWebhook(request);
  }

  health(route: RouteRuntime): AdapterHealth {
    return safeHealth(route.adapter);
  }

  async #expire(): Promise<void> {
    const expired = errorDetail(ErrorCode.EXPIRED, "the message outlived its validity period", {
      retryable: false,
    });
    for (const id of await this.#options.store.expiredBefore(Date.now(), 1000)) {
      const outcome = await this.#transition(id, {
        event: { status: MessageStatus.EXPIRED, error: expired },
      });
      if (outcome && outcome.previous !== MessageStatus.SUBMITTED) {
        this.#routes.get(outcome.state.route)?.feeder.forget(id);
      }
    }
  }

  /** Moves waiting messages off routes that are down onto a live alternative. */
  #failOver(): void {
    for (const runtime of this.#routes.values()) {
      if (runtime.feeder.queued === 0 || this.#isUp(runtime.config.name)) continue;
      for (const message of runtime.feeder.drain()) {
        const alternative = this.#table
          .candidates(message.tenant, message.channel)
          .find((r) => r.name !== runtime.config.name && this.#isUp(r.name));
        const target = alternative ? this.#routes.get(alternative.name)! : runtime;
        if (alternative) {
          message.route = alternative.name;
          this.#transition(message.id, {
            route: alternative.name,
            event: {
              kind: DeliveryEventKind.PROGRESS,
              detail: { rerouted_from: runtime.config.name, rerouted_to: alternative.name },
            },
          }).catch((err) =>
            this.#options.log.error({ err, messageId: message.id }, "recording a reroute failed"),
          );
        }
        target.feeder.enqueue(message);
      }
    }
  }

  stop(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#options.scheduler?.stop();
    for (const runtime of this.#routes.values()) runtime.feeder.stop();
    this.#correlator.stop();
  }
}

function safeHealth(adapter: ChannelAdapter): AdapterHealth {
  try {
    return adapter.health();
  } catch (reason) {
    return { state: RouteState.DOWN, reason: `health check failed: ${String(reason)}` };
  }
}

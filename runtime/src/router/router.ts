import { clone, create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import {
  Channel,
  DeliveryEventKind,
  DeliveryEventSchema,
  MessageSchema,
  MessageStatus,
  type DeliveryEvent,
  type Message,
} from "../gen/hermes/v1/message_pb.js";
import { RouteState } from "../gen/hermes/v1/admin_service_pb.js";
import { ErrorCode, HermesError, errorDetail } from "../errors/hermes-error.js";
import type { GatewayConfig, RouteConfig } from "../config/gateway-config.js";
import {
  isTerminal,
  type AcceptResult,
  type MessageStore,
  type Transition,
} from "../store/message-store.js";
import { newMessageId } from "../store/ids.js";
import type { EventBus } from "../events/event-bus.js";
import type { GatewayMetrics } from "../server/metrics.js";
import type { RouteSupervisor } from "./route-supervisor.js";
import type {
  AdapterHealth,
  ChannelAdapter,
  ProviderReport,
  SendOutcome,
  WebhookReply,
  WebhookRequest,
} from "./adapter.js";
import { RouteFeeder } from "./route-feeder.js";
import { RouteTable } from "./route-table.js";
import { validateMessage } from "./validation.js";
import { ReportCorrelator } from "./report-correlator.js";

/** How long a provider id keeps pointing at its message. */
export const correlationTtlMs = 72 * 3600 * 1000;

export interface RouteRuntime {
  readonly config: RouteConfig;
  readonly adapter: ChannelAdapter;
  readonly feeder: RouteFeeder;
  readonly supervisor: RouteSupervisor;
}

export interface RouterOptions {
  readonly config: GatewayConfig;
  readonly store: MessageStore;
  readonly bus: EventBus;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
}

/** One item of an accept: the stored message, or why it was refused. */
export type AcceptOutcome =
  | ({ readonly ok: true } & AcceptResult)
  | { readonly ok: false; readonly error: HermesError };

/**
 * The router owns the life of a message after the API: it validates and
 * stores what callers send, queues each message on its route's feeder,
 * records every outcome and provider report as a status change, retries
 * with backoff, expires what outlives its validity and fails routes over.
 */
export class Router {
  readonly #options: RouterOptions;
  readonly #table: RouteTable;
  readonly #routes = new Map<string, RouteRuntime>();
  readonly #correlator: ReportCorrelator;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: RouterOptions) {
    this.#options = options;
    this.#table = new RouteTable(options.config.routes);
    this.#correlator = new ReportCorrelator(
      options.store,
      (route, report) => this.#applyReport(route, report),
      (route) => options.metrics.orphanReports.inc({ route }),
    );
  }

  /** Adds a started route; its feeder starts pumping. */
  addRoute(
    config: RouteConfig,
    adapter: ChannelAdapter,
    supervisor: RouteSupervisor,
  ): RouteRuntime {
    const feeder = new RouteFeeder(adapter, (message, attempt, outcome) =>
      this.#recordOutcome(config, message, attempt, outcome).catch((reason) =>
        this.#options.log.error(
          { err: reason, messageId: message.id, route: config.name },
          "recording an outcome failed",
        ),
      ),
    );
    const runtime = { config, adapter, feeder, supervisor };
    this.#routes.set(config.name, runtime);
    return runtime;
  }

  get routes(): readonly RouteRuntime[] {
    return [...this.#routes.values()];
  }

  /** Re-queues every message that was waiting when the gateway last stopped. */
  resume(): number {
    let resumed = 0;
    for (const message of this.#options.store.unfinished()) {
      if (message.status === MessageStatus.SUBMITTED) continue; // waiting for a receipt, not for us
      const route = this.#routes.get(message.route);
      if (route) {
        route.feeder.enqueue(message);
        resumed++;
      }
    }
    return resumed;
  }

  /** Starts the once-a-second housekeeping: expiry, failover, correlation purge. */
  startHousekeeping(intervalMs = 1000): void {
    let ticks = 0;
    this.#sweeper = setInterval(() => {
      void this.#expire().catch((err) => this.#options.log.error({ err }, "expiry sweep failed"));
      this.#failOver();
      if (++ticks % 3600 === 0) void this.#options.store.purgeCorrelations(new Date());
    }, intervalMs);
    this.#sweeper.unref();
  }

  /**
   * Validates and durably stores messages for a tenant, then queues them.
   * Each message stands alone: an invalid one is refused with a field-level
   * reason and does not affect the others.
   */
  async accept(tenant: string, requested: readonly Message[]): Promise<AcceptOutcome[]> {
    const outcomes: Array<AcceptOutcome | undefined> = [];
    const toStore: Message[] = [];
    const positions: number[] = [];
    const now = new Date();
    requested.forEach((request, i) => {
      try {
        validateMessage(request, this.#options.config.limits);
      } catch (reason) {
        const error = HermesError.from(reason);
        this.#options.metrics.invalid.inc({ field: error.field });
        outcomes[i] = { ok: false, error };
        return;
      }
      toStore.push(this.#prepare(tenant, request, now));
      positions.push(i);
    });
    const stored = toStore.length > 0 ? await this.#options.store.accept(toStore) : [];
    stored.forEach((result, j) => {
      outcomes[positions[j]] = { ok: true, ...result };
      if (result.duplicate) return;
      this.#options.metrics.accepted.inc({ channel: Channel[result.message.channel], tenant });
      if (result.event) this.#options.bus.publish(result.event);
      if (result.message.status === MessageStatus.ACCEPTED)
        this.#routes.get(result.message.route)?.feeder.enqueue(result.message);
    });
    return outcomes as AcceptOutcome[];
  }

  #prepare(tenant: string, request: Message, now: Date): Message {
    const message = clone(MessageSchema, request);
    message.id = newMessageId(now.getTime());
    message.tenant = tenant;
    message.status = MessageStatus.ACCEPTED;
    message.attempts = 0;
    message.providerMessageId = "";
    message.error = undefined;
    message.createdAt = timestampFromDate(now);
    message.updatedAt = message.createdAt;
    const route = this.#table.select(tenant, message.channel, (name) => this.#isUp(name));
    if (!route) {
      message.route = "";
      message.status = MessageStatus.REJECTED;
      message.error = errorDetail(
        ErrorCode.NO_ROUTE,
        `no route serves ${Channel[message.channel]} for tenant ${tenant}`,
      );
      return message;
    }
    message.route = route.name;
    if (!message.expiresAt)
      message.expiresAt = timestampFromDate(new Date(now.getTime() + route.validitySeconds * 1000));
    return message;
  }

  #isUp(route: string): boolean {
    const runtime = this.#routes.get(route);
    return !!runtime && safeHealth(runtime.adapter).state !== RouteState.DOWN;
  }

  async #recordOutcome(
    route: RouteConfig,
    message: Message,
    attempt: number,
    outcome: SendOutcome,
  ): Promise<void> {
    const { store, metrics } = this.#options;
    metrics.attempts.inc({ route: route.name, outcome: outcome.kind });
    if (outcome.kind === "delivered" || outcome.kind === "submitted") {
      const providerIds = outcome.providerMessageId ? [outcome.providerMessageId] : [];
      if (outcome.kind === "submitted") providerIds.push(...(outcome.extraProviderIds ?? []));
      const correlated =
        providerIds.length > 0
          ? store.correlate(route.name, providerIds, message.id, correlationTtlMs)
          : undefined;
      const status =
        outcome.kind === "delivered" ? MessageStatus.DELIVERED : MessageStatus.SUBMITTED;
      await this.#transition(message.id, route.name, {
        attempts: attempt,
        providerMessageId: outcome.providerMessageId ?? "",
        event: {
          kind: DeliveryEventKind.STATUS,
          status,
          detail: outcome.detail,
          providerMessageId: outcome.providerMessageId,
        },
      });
      await correlated;
      this.#correlator.correlated(route.name, providerIds);
      return;
    }
    const error = outcome.error;
    // The provider may have taken a send whose answer never came back.
    const mayHaveBeenSent =
      error.code === ErrorCode.CONNECTION_LOST ||
      error.code === ErrorCode.TIMEOUT ||
      outcome.detail?.duplicate_risk === "true";
    if (mayHaveBeenSent) metrics.duplicateRisk.inc({ route: route.name });
    const expired =
      message.expiresAt !== undefined && timestampDate(message.expiresAt).getTime() <= Date.now();
    if (error.retryable && attempt < route.retry.maxAttempts && !expired) {
      const delay = Math.max(error.retryAfterMs, backoff(route, attempt));
      await this.#transition(message.id, route.name, {
        attempts: attempt,
        nextAttemptAt: new Date(Date.now() + delay),
        event: {
          kind: DeliveryEventKind.RETRYING,
          status: MessageStatus.QUEUED,
          error,
          detail: { ...outcome.detail, retry_in_ms: String(delay), attempt: String(attempt) },
        },
      });
      message.attempts = attempt;
      this.#routes.get(route.name)?.feeder.enqueueAfter(message, delay);
      return;
    }
    const final = error.retryable
      ? errorDetail(
          ErrorCode.RETRIES_EXHAUSTED,
          `gave up after ${attempt} attempts: ${error.message}`,
          { providerCode: error.providerCode, retryable: false },
        )
      : error;
    await this.#transition(message.id, route.name, {
      attempts: attempt,
      event: {
        kind: DeliveryEventKind.STATUS,
        status: MessageStatus.FAILED,
        error: final,
        detail: outcome.detail,
      },
    });
  }

  /**
   * Records a change and publishes its event. `route` labels the finished
   * counter: callers know it, and reading the message back for it was about
   * 5 % of the CPU profile of the carrier benchmark (`npm run bench -- smpp`).
   */
  async #transition(
    id: string,
    route: string,
    change: Transition,
  ): Promise<DeliveryEvent | undefined> {
    const event = await this.#options.store.transition(id, change);
    if (event) {
      this.#options.bus.publish(event);
      if (event.kind === DeliveryEventKind.STATUS && isTerminal(event.status)) {
        this.#options.metrics.finished.inc({ route, status: MessageStatus[event.status] });
      }
    }
    return event;
  }

  /** Records a provider report (receipt, webhook event, inbound message). */
  report(route: string, report: ProviderReport): Promise<void> {
    this.#options.metrics.reports.inc({ route, kind: DeliveryEventKind[report.kind] });
    return this.#correlator.submit(route, report);
  }

  async #applyReport(
    route: string,
    report: ProviderReport & { messageId?: string },
  ): Promise<void> {
    const event = {
      kind: report.kind,
      status: report.status,
      error: report.error,
      detail: report.detail,
      time: report.time,
      providerMessageId: report.providerMessageId,
      from: report.from,
      to: report.to,
      text: report.text,
    };
    if (report.messageId) {
      // Correlations are per route, so the reporting route is the one the message went out on.
      await this.#transition(report.messageId, route, { event });
      return;
    }
    // Nothing to attach it to (an inbound message): record it on its own.
    const runtime = this.#routes.get(route);
    const tenant = report.tenant ?? runtime?.config.tenants.find((t) => t !== "*") ?? "default";
    const stored = await this.#options.store.record(
      create(DeliveryEventSchema, {
        messageId: `in_${newMessageId()}`,
        tenant,
        channel: runtime?.config.channel ?? Channel.UNSPECIFIED,
        kind: report.kind,
        status: report.status ?? MessageStatus.UNSPECIFIED,
        time: timestampFromDate(report.time ?? new Date()),
        detail: { route, ...report.detail },
        providerMessageId: report.providerMessageId ?? "",
        from: report.from,
        to: report.to,
        text: report.text ?? "",
      }),
    );
    this.#options.bus.publish(stored);
  }

  /** Hands a provider callback to its route's adapter. */
  async webhook(route: string, request: WebhookRequest): Promise<WebhookReply> {
    const runtime = this.#routes.get(route);
    if (!runtime?.adapter.handleWebhook)
      return { status: 404, body: `no webhook endpoint for route ${route}\n` };
    return runtime.adapter.handleWebhook(request);
  }

  health(route: RouteRuntime): AdapterHealth {
    return safeHealth(route.adapter);
  }

  async #expire(): Promise<void> {
    for (const id of this.#options.store.expiredBefore(new Date())) {
      const message = this.#options.store.get(id);
      if (message && message.status !== MessageStatus.SUBMITTED)
        this.#routes.get(message.route)?.feeder.forget(id);
      await this.#transition(id, message?.route ?? "", {
        event: {
          kind: DeliveryEventKind.STATUS,
          status: MessageStatus.EXPIRED,
          error: errorDetail(ErrorCode.EXPIRED, "the message outlived its validity period", {
            retryable: false,
          }),
        },
      });
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
          void this.#transition(message.id, alternative.name, {
            route: alternative.name,
            event: {
              kind: DeliveryEventKind.PROGRESS,
              detail: { rerouted_from: runtime.config.name, rerouted_to: alternative.name },
            },
          });
        }
        target.feeder.enqueue(message);
      }
    }
  }

  stop(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    for (const runtime of this.#routes.values()) runtime.feeder.stop();
    this.#correlator.stop();
  }
}

function backoff(route: RouteConfig, attempt: number): number {
  const base = Math.min(
    route.retry.maxBackoffMs,
    route.retry.initialBackoffMs * 2 ** (attempt - 1),
  );
  return Math.round(base * (0.8 + Math.random() * 0.4)); // jitter so retries do not arrive in waves
}

function safeHealth(adapter: ChannelAdapter): AdapterHealth {
  try {
    return adapter.health();
  } catch (reason) {
    return { state: RouteState.DOWN, reason: `health check failed: ${String(reason)}` };
  }
}

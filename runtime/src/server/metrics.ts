import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { Channel, DeliveryEventKind, MessageStatus } from "../gen/hermes/v1/message_pb.js";
import type { SendOutcome } from "../router/adapter.js";
import type { RouterMetrics } from "../router/router-metrics.js";

type Child = { inc(value?: number): void };

/** What a route did since the gateway started, as GetHealth reports it (RouteCounters). */
export interface RouteCounts {
  attempts: number;
  delivered: number;
  failed: number;
  expired: number;
}

/**
 * The gateway's Prometheus metrics, on a registry of its own (so tests can
 * run several gateways in one process), served at GET /metrics. It is what
 * the router counts with (RouterMetrics). Labelled children are looked up
 * once per label set and kept: the hot path increments a plain object.
 */
export class GatewayMetrics implements RouterMetrics {
  readonly registry = new Registry();
  readonly #accepted = this.#counter(
    "hermes_messages_accepted_total",
    "Messages accepted by Send/SendBatch",
    ["channel", "tenant"],
  );
  readonly #invalid = this.#counter(
    "hermes_messages_invalid_total",
    "Messages refused as invalid",
    ["field"],
  );
  readonly #queueFull = this.#counter(
    "hermes_messages_queue_full_total",
    "Messages refused because their route's queue was full",
    ["route"],
  );
  readonly #attempts = this.#counter(
    "hermes_delivery_attempts_total",
    "Delivery attempts by outcome",
    ["route", "outcome"],
  );
  readonly #finished = this.#counter(
    "hermes_messages_finished_total",
    "Messages that reached a terminal status",
    ["route", "status"],
  );
  readonly #reports = this.#counter(
    "hermes_provider_reports_total",
    "Provider reports received (receipts, webhooks, inbound)",
    ["route", "kind"],
  );
  readonly #unmatched = this.#counter(
    "hermes_unmatched_reports_total",
    "Provider reports matched to no message (unknown id, another address, or ambiguous), kept as unmatched events",
    ["route", "reason"],
  );
  readonly #duplicateRisk = this.#counter(
    "hermes_duplicate_risk_total",
    "Sends of messages that may already have been delivered (connection lost or answer timed out in flight, or the gateway stopped during an attempt)",
    ["route"],
  );
  readonly #rpcDuration = new Histogram({
    name: "hermes_rpc_duration_seconds",
    help: "RPC handling time",
    labelNames: ["method", "code"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly #children = new Map<string, Child>();
  /** The same counts as plain numbers per route, for GetHealth: prom-client's are read asynchronously. */
  readonly #routeCounts = new Map<string, RouteCounts>();
  readonly #rpcChildren = new Map<string, { observe(value: number): void }>();

  constructor(routeGauges: () => Array<{ route: string; queued: number; inFlight: number }>) {
    collectDefaultMetrics({ register: this.registry, prefix: "hermes_" });
    new Gauge({
      name: "hermes_route_queue_depth",
      help: "Messages waiting on a route",
      labelNames: ["route"],
      registers: [this.registry],
      collect() {
        for (const r of routeGauges()) this.set({ route: r.route }, r.queued);
      },
    });
    new Gauge({
      name: "hermes_route_in_flight",
      help: "Sends outstanding on a route",
      labelNames: ["route"],
      registers: [this.registry],
      collect() {
        for (const r of routeGauges()) this.set({ route: r.route }, r.inFlight);
      },
    });
  }

  accepted(channel: Channel, tenant: string): void {
    this.#child(this.#accepted, Channel[channel] ?? String(channel), tenant).inc();
  }

  invalid(field: string): void {
    this.#child(this.#invalid, field).inc();
  }

  queueFull(route: string): void {
    this.#child(this.#queueFull, route).inc();
  }

  attempt(route: string, outcome: SendOutcome["kind"]): void {
    this.#child(this.#attempts, route, outcome).inc();
    this.routeCounts(route).attempts++;
  }

  finished(route: string, status: MessageStatus): void {
    this.#child(this.#finished, route, MessageStatus[status] ?? String(status)).inc();
    const counts = this.routeCounts(route);
    if (status === MessageStatus.DELIVERED) counts.delivered++;
    else if (status === MessageStatus.FAILED) counts.failed++;
    else if (status === MessageStatus.EXPIRED) counts.expired++;
  }

  /** A route's counts since start (zero for a route that has done nothing yet). */
  routeCounts(route: string): RouteCounts {
    let counts = this.#routeCounts.get(route);
    if (!counts) {
      counts = { attempts: 0, delivered: 0, failed: 0, expired: 0 };
      this.#routeCounts.set(route, counts);
    }
    return counts;
  }

  report(route: string, kind: DeliveryEventKind): void {
    this.#child(this.#reports, route, DeliveryEventKind[kind] ?? String(kind)).inc();
  }

  unmatchedReport(route: string, reason: string): void {
    this.#child(this.#unmatched, route, reason).inc();
  }

  duplicateRisk(route: string): void {
    this.#child(this.#duplicateRisk, route).inc();
  }

  /** An RPC took `seconds`; `code` is "ok" or the Connect code it failed with. */
  rpc(method: string, code: string, seconds: number): void {
    const key = `${method}\u0000${code}`;
    let child = this.#rpcChildren.get(key);
    if (!child) {
      child = this.#rpcDuration.labels(method, code);
      this.#rpcChildren.set(key, child);
    }
    child.observe(seconds);
  }

  #counter(name: string, help: string, labelNames: string[]): Counter {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  #child(counter: Counter, ...values: string[]): Child {
    const key = `${(counter as unknown as { name: string }).name}\u0000${values.join("\u0000")}`;
    let child = this.#children.get(key);
    if (!child) {
      child = counter.labels(...values);
      this.#children.set(key, child);
    }
    return child;
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The gateway's Prometheus metrics, on a registry of its own (so tests can
 * run several gateways in one process), served at GET /metrics.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly accepted = new Counter({
    name: "hermes_messages_accepted_total",
    help: "Messages accepted by Send/SendBatch",
    labelNames: ["channel", "tenant"],
    registers: [this.registry],
  });
  readonly invalid = new Counter({
    name: "hermes_messages_invalid_total",
    help: "Messages refused as invalid",
    labelNames: ["field"],
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: "hermes_delivery_attempts_total",
    help: "Delivery attempts by outcome",
    labelNames: ["route", "outcome"],
    registers: [this.registry],
  });
  readonly finished = new Counter({
    name: "hermes_messages_finished_total",
    help: "Messages that reached a terminal status",
    labelNames: ["route", "status"],
    registers: [this.registry],
  });
  readonly reports = new Counter({
    name: "hermes_provider_reports_total",
    help: "Provider reports received (receipts, webhooks, inbound)",
    labelNames: ["route", "kind"],
    registers: [this.registry],
  });
  readonly orphanReports = new Counter({
    name: "hermes_orphan_reports_total",
    help: "Provider reports no message could be found for",
    labelNames: ["route"],
    registers: [this.registry],
  });
  readonly duplicateRisk = new Counter({
    name: "hermes_duplicate_risk_total",
    help: "Retries of messages that may already have been delivered (connection lost or answer timed out in flight)",
    labelNames: ["route"],
    registers: [this.registry],
  });
  readonly rpcDuration = new Histogram({
    name: "hermes_rpc_duration_seconds",
    help: "RPC handling time",
    labelNames: ["method", "code"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

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
}

import type { Logger } from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { LogRecord, MetricRecord } from "./worker-protocol.js";

const maxMetricsPerPlugin = 32;
const levels = ["info", "debug", "info", "warn", "error"] as const;

type PluginMetric = {
  readonly kind: number;
  readonly labelNames: readonly string[];
  readonly metric: Counter | Gauge | Histogram;
};

/**
 * Plugin metrics (hermes_metric), exported as `hermes_plugin_<name>` with
 * `plugin` and `route` labels on a registry of their own (merge it into the
 * gateway's to serve it). A metric's kind and label names are fixed by its
 * first use; at most 32 distinct names per plugin. Records that break these
 * rules are dropped and counted in hermes_plugin_metrics_dropped_total.
 */
export class PluginMetrics {
  readonly registry = new Registry();
  readonly #metrics = new Map<string, PluginMetric>();
  readonly #namesPerPlugin = new Map<string, Set<string>>();
  readonly #dropped = new Counter({
    name: "hermes_plugin_metrics_dropped_total",
    help: "Plugin metric records dropped (limits, kind or label mismatch)",
    labelNames: ["plugin"],
    registers: [this.registry],
  });

  record(plugin: string, route: string, record: MetricRecord): void {
    const names = this.#namesPerPlugin.get(plugin) ?? new Set<string>();
    this.#namesPerPlugin.set(plugin, names);
    if (!names.has(record.name) && names.size >= maxMetricsPerPlugin) {
      this.#drop(plugin);
      return;
    }
    const metric = this.#metric(record);
    const labels = { ...record.labels, plugin, route };
    if (
      !metric ||
      Object.keys(labels).length !== metric.labelNames.length ||
      metric.labelNames.some((l) => !(l in labels))
    ) {
      this.#drop(plugin);
      return;
    }
    names.add(record.name);
    if (metric.metric instanceof Counter) {
      if (record.value < 0) {
        this.#drop(plugin);
        return;
      }
      metric.metric.inc(labels, record.value);
    } else if (metric.metric instanceof Gauge) metric.metric.set(labels, record.value);
    else metric.metric.observe(labels, record.value);
  }

  #metric(record: MetricRecord): PluginMetric | undefined {
    const existing = this.#metrics.get(record.name);
    if (existing) return existing.kind === record.kind ? existing : undefined;
    const labelNames = [
      "plugin",
      "route",
      ...Object.keys(record.labels)
        .filter((l) => /^[a-z_][a-z0-9_]*$/.test(l) && l !== "plugin" && l !== "route")
        .sort(),
    ];
    const options = {
      name: `hermes_plugin_${record.name}`,
      help: `Plugin metric ${record.name}`,
      labelNames,
      registers: [this.registry],
    };
    const metric =
      record.kind === 1
        ? new Counter(options)
        : record.kind === 2
          ? new Gauge(options)
          : new Histogram(options);
    const created = { kind: record.kind, labelNames, metric };
    this.#metrics.set(record.name, created);
    return created;
  }

  #drop(plugin: string): void {
    this.#dropped.inc({ plugin });
  }
}

/**
 * Writes plugin log records (hermes_log) to the route's logger with the
 * plugin's name and version, at most `perSecond` a second per route; the
 * excess is counted and reported once a second, not written.
 */
export class PluginLogForwarder {
  #tokens: number;
  #dropped = 0;
  #refilledAt = Date.now();

  constructor(
    readonly log: Logger,
    readonly perSecond = 100,
  ) {
    this.#tokens = perSecond;
  }

  write(plugin: { name: string; version: string }, record: LogRecord): void {
    const now = Date.now();
    if (now - this.#refilledAt >= 1000) {
      if (this.#dropped > 0)
        this.log.warn(
          { plugin: plugin.name, dropped: this.#dropped },
          "plugin log lines dropped by the rate limit",
        );
      this.#dropped = 0;
      this.#tokens = this.perSecond;
      this.#refilledAt = now;
    }
    if (this.#tokens <= 0) {
      this.#dropped++;
      return;
    }
    this.#tokens--;
    const level = levels[record.level] ?? "info";
    this.log[level](
      { plugin: plugin.name, pluginVersion: plugin.version, fields: record.fields },
      record.message,
    );
  }
}

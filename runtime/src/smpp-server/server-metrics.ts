import { Counter, Gauge, type Registry } from "prom-client";
import { statusText } from "../drivers/smpp/status-codes.js";

/** One account as the gauges see it. */
export interface AccountGauges {
  readonly account: string;
  readonly binds: Readonly<Record<"transmitter" | "receiver" | "transceiver", number>>;
  readonly windowUsed: number;
  readonly partsPerSecond: number;
}

/**
 * The SMPP server's Prometheus metrics, on the gateway's registry (served at
 * GET /metrics with the rest): binds, submits by answer, parts taken,
 * deliver_sm sent, acknowledged and retried; gauges of each account's binds,
 * window use, throughput and waiting outbox.
 */
export class SmppServerMetrics {
  readonly #binds: Counter;
  readonly #submits: Counter;
  readonly #parts: Counter;
  readonly #delivers: Counter;
  /** Labelled children, looked up once per label set: submits and deliver_sm come by the thousand. */
  readonly #children = new Map<string, { inc(value?: number): void }>();

  constructor(
    registry: Registry,
    accounts: () => readonly AccountGauges[],
    waiting: () => Promise<ReadonlyMap<string, number>>,
  ) {
    const registers = [registry];
    this.#binds = new Counter({
      name: "hermes_smpp_server_binds_total",
      help: "Bind requests to the SMPP server, by account and result (ok, refused, max_binds, flood)",
      labelNames: ["account", "result"],
      registers,
    });
    this.#submits = new Counter({
      name: "hermes_smpp_server_submits_total",
      help: "submit_sm and data_sm answered by the SMPP server, by account and command_status",
      labelNames: ["account", "status"],
      registers,
    });
    this.#parts = new Counter({
      name: "hermes_smpp_server_parts_total",
      help: "Message parts the SMPP server took (what throughput limits count)",
      labelNames: ["account"],
      registers,
    });
    this.#delivers = new Counter({
      name: "hermes_smpp_server_deliver_sm_total",
      help: "deliver_sm (receipts and MO) to accounts: sent, acknowledged, retried",
      labelNames: ["account", "kind", "event"],
      registers,
    });
    new Gauge({
      name: "hermes_smpp_server_bound",
      help: "Binds open per account and kind",
      labelNames: ["account", "role"],
      registers,
      collect() {
        this.reset();
        for (const a of accounts())
          for (const [role, n] of Object.entries(a.binds))
            this.set({ account: a.account, role }, n);
      },
    });
    new Gauge({
      name: "hermes_smpp_server_window_used",
      help: "Submits an account has waiting for an answer",
      labelNames: ["account"],
      registers,
      collect() {
        for (const a of accounts()) this.set({ account: a.account }, a.windowUsed);
      },
    });
    new Gauge({
      name: "hermes_smpp_server_parts_per_second",
      help: "Message parts an account submitted in the last whole second",
      labelNames: ["account"],
      registers,
      collect() {
        for (const a of accounts()) this.set({ account: a.account }, a.partsPerSecond);
      },
    });
    new Gauge({
      name: "hermes_smpp_server_outbox_waiting",
      help: "Receipts and MO messages waiting in an account's outbox",
      labelNames: ["account"],
      registers,
      async collect() {
        this.reset();
        for (const [account, n] of await waiting()) this.set({ account }, n);
      },
    });
  }

  bind(account: string, result: "ok" | "refused" | "max_binds" | "flood"): void {
    this.#binds.labels(account, result).inc();
  }

  submit(account: string, status: number): void {
    this.#child("submits", this.#submits, account, status).inc();
  }

  parts(account: string, n: number): void {
    this.#child("parts", this.#parts, account).inc(n);
  }

  deliver(account: string, kind: string, event: "sent" | "acknowledged" | "retried"): void {
    this.#child("delivers", this.#delivers, account, kind, event).inc();
  }

  /** A counter's child for these labels; a command_status is labelled with its name. */
  #child(
    name: string,
    counter: Counter,
    ...values: Array<string | number>
  ): { inc(value?: number): void } {
    const key = `${name}\u0000${values.join("\u0000")}`;
    let child = this.#children.get(key);
    if (!child) {
      child = counter.labels(...values.map((v) => (typeof v === "number" ? statusText(v) : v)));
      this.#children.set(key, child);
    }
    return child;
  }
}

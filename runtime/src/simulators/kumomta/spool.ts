import { randomUUID } from "node:crypto";
import {
  newSpoolId,
  queueNameOf,
  receptionRecord,
  stepRecord,
  type LoggerFields,
  type SpooledMessage,
} from "./log-records.js";
import type { LogHookPublisher } from "./log-hook-publisher.js";
import type { Plan } from "./outcomes.js";

/** A message as a listener hands it over. */
export interface Reception {
  readonly sender: string;
  readonly recipient: string;
  readonly raw: Buffer;
  readonly protocol: "ESMTP" | "HTTP";
  readonly peer: { readonly name: string; readonly addr: string };
  readonly plan: Plan;
}

export interface SpoolOptions {
  readonly fields: LoggerFields;
  readonly tenantHeader: string;
  readonly campaignHeader: string;
  /** Time between a message's log records. */
  readonly stepDelayMs: number;
}

/** What the simulated KumoMTA did, for tests and /metrics. */
export interface SpoolCounters {
  received: number;
  delivered: number;
  bounced: number;
  transientFailures: number;
  expired: number;
  complaints: number;
}

/**
 * The simulated queue: takes each accepted message, logs its Reception and
 * then plays its plan (TransientFailure×n, then Delivery, Bounce or
 * Expiration; a complaint after delivery) as KumoMTA would, one log record
 * per step, in order.
 */
export class Spool {
  readonly nodeid = randomUUID();
  readonly messages: SpooledMessage[] = [];
  /** Every record logged, in order. */
  readonly records: Array<Record<string, unknown>> = [];
  readonly counters: SpoolCounters = {
    received: 0,
    delivered: 0,
    bounced: 0,
    transientFailures: 0,
    expired: 0,
    complaints: 0,
  };
  readonly #options: SpoolOptions;
  /**
   * Where records are posted; settable because a gateway's webhook URL is often known only after
   * the simulator's port.
   */
  publisher: LogHookPublisher | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  #pending = 0;
  #idle: Array<() => void> = [];

  constructor(options: SpoolOptions, publisher: LogHookPublisher | undefined) {
    this.#options = options;
    this.publisher = publisher;
  }

  /** Spools a message, logs its Reception and schedules the rest; returns the spool id. */
  accept(reception: Reception): string {
    const { headers, headerBlock } = parseHeaders(reception.raw);
    const meta: Record<string, string> = {};
    const tenant = headers.get(this.#options.tenantHeader.toLowerCase())?.[1];
    const campaign = headers.get(this.#options.campaignHeader.toLowerCase())?.[1];
    if (tenant) meta.tenant = tenant;
    if (campaign) meta.campaign = campaign;
    const message: SpooledMessage = {
      id: newSpoolId(),
      sender: reception.sender,
      recipient: reception.recipient,
      size: reception.raw.length,
      created: Math.floor(Date.now() / 1000),
      queue: queueNameOf(reception.recipient, tenant, campaign),
      meta,
      headers,
      headerBlock,
      receptionProtocol: reception.protocol,
      peer: reception.peer,
      attempts: 0,
    };
    this.messages.push(message);
    this.counters.received++;
    this.#log(receptionRecord(message, this.#options.fields, this.nodeid));
    this.#play(message, reception.plan, 0);
    return message.id;
  }

  /** Resolves once every scheduled step has been logged. */
  async settled(): Promise<void> {
    if (this.#pending > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#pending = 0;
    for (const wake of this.#idle.splice(0)) wake();
  }

  #play(message: SpooledMessage, plan: Plan, index: number): void {
    const step = plan.steps[index];
    if (!step) return;
    this.#pending++;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#log(stepRecord(step, message, this.#options.fields, this.nodeid));
      if (step.type === "Delivery") this.counters.delivered++;
      else if (step.type === "Bounce") this.counters.bounced++;
      else if (step.type === "TransientFailure") this.counters.transientFailures++;
      else if (step.type === "Expiration") this.counters.expired++;
      else this.counters.complaints++;
      this.#play(message, plan, index + 1);
      if (--this.#pending === 0) for (const wake of this.#idle.splice(0)) wake();
    }, this.#options.stepDelayMs);
    this.#timers.add(timer);
  }

  #log(record: Record<string, unknown>): void {
    this.records.push(record);
    this.publisher?.publish(record);
  }
}

/** The header block of a raw message, and its (unfolded) fields by lower-case name. */
function parseHeaders(raw: Buffer): {
  headers: Map<string, [string, string]>;
  headerBlock: string;
} {
  const text = raw.toString("utf8");
  const end = text.search(/\r?\n\r?\n/);
  const headerBlock = end >= 0 ? text.slice(0, end) : text;
  const headers = new Map<string, [string, string]>();
  for (const line of headerBlock.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!headers.has(name.toLowerCase()))
      headers.set(name.toLowerCase(), [name, line.slice(colon + 1).trim()]);
  }
  return { headers, headerBlock };
}

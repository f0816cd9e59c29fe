import type { TenantConfig } from "../config/tenant-config.js";
import type { Message } from "../gen/hermes/v1/message_pb.js";
import { DueQueue } from "./due-queue.js";
import type { QuietHours } from "./quiet-hours.js";
import { planSend, type SendPlan } from "./send-plan.js";

/**
 * The router's timekeeper for messages that wait for a time (send_at, quiet
 * hours; after a restart, retries too). It decides when a message may go
 * (send-plan.ts) and holds the ids of those that wait on one DueQueue; the
 * bodies stay in the store until they are due, so a hundred thousand
 * waiting messages cost their states and a few dozen bytes each. A message
 * that uses none of this (no send_at, no time_zone, a tenant without quiet
 * hours) costs three property reads.
 */
export class Scheduler {
  readonly #quiet: ReadonlyMap<string, QuietHours>;
  #queue: DueQueue | undefined;

  constructor(tenants: Readonly<Record<string, TenantConfig>>) {
    this.#quiet = new Map(
      Object.entries(tenants).flatMap(([tenant, config]) =>
        config.quietHours ? [[tenant, config.quietHours] as const] : [],
      ),
    );
  }

  /** Starts handing over the ids that come due, in batches (the router loads and queues them). */
  start(onDue: (ids: readonly string[]) => void): void {
    this.#queue = new DueQueue(onDue);
  }

  /** When a tenant's message may go, when that is later than now (planSend's rules). */
  plan(tenant: string, message: Message, now: number): SendPlan | undefined {
    const quiet = this.#quiet.get(tenant);
    if (!message.sendAt && !message.timeZone && !quiet) return undefined;
    return planSend(message, quiet, now);
  }

  /** Holds a stored message until `at`. */
  hold(id: string, at: number): void {
    this.#queue?.add(id, at);
  }

  /** Lets a message go before it is due (it was cancelled); true when it was held here. */
  release(id: string): boolean {
    return this.#queue?.delete(id) ?? false;
  }

  /** Messages held. */
  get waiting(): number {
    return this.#queue?.size ?? 0;
  }

  stop(): void {
    this.#queue?.stop();
  }
}

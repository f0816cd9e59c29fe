import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DeliveryEventSchema, MessageStatus } from "../gen/hermes/v1/message_pb.js";
import type { MessageStore } from "../store/message-store.js";
import type { ProviderReport } from "./adapter.js";

type Apply = (route: string, report: ProviderReport) => Promise<void>;

interface Held {
  readonly report: ProviderReport;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Finds the Hermes message a provider report is about. A receipt can overtake
 * the outcome of its own send (a carrier may answer submit and receipt in one
 * breath), so a report whose provider id is not known yet is held briefly
 * until the id is correlated. One still unknown after that is stored as an
 * orphan event (durable, visible to no tenant) and counted.
 */
export class ReportCorrelator {
  readonly #store: MessageStore;
  readonly #apply: Apply;
  readonly #onOrphan: (route: string) => void;
  readonly #holdMs: number;
  readonly #held = new Map<string, Held[]>();

  constructor(store: MessageStore, apply: Apply, onOrphan: (route: string) => void, holdMs = 2000) {
    this.#store = store;
    this.#apply = apply;
    this.#onOrphan = onOrphan;
    this.#holdMs = holdMs;
  }

  submit(route: string, report: ProviderReport): Promise<void> {
    if (report.messageId || !report.providerMessageId) return this.#apply(route, report);
    const messageId = this.#store.resolve(route, report.providerMessageId);
    if (messageId) return this.#apply(route, { ...report, messageId });
    const key = keyOf(route, report.providerMessageId);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.#giveUp(route, key), this.#holdMs);
      const waiting = this.#held.get(key) ?? [];
      waiting.push({ report, resolve, reject, timer });
      this.#held.set(key, waiting);
    });
  }

  /** Wakes reports held for ids that are now correlated. */
  correlated(route: string, providerIds: readonly string[]): void {
    for (const id of providerIds) {
      const key = keyOf(route, id);
      const waiting = this.#held.get(key);
      if (!waiting) continue;
      this.#held.delete(key);
      for (const held of waiting) {
        clearTimeout(held.timer);
        this.submit(route, held.report).then(held.resolve, held.reject);
      }
    }
  }

  #giveUp(route: string, key: string): void {
    const waiting = this.#held.get(key) ?? [];
    this.#held.delete(key);
    for (const held of waiting) {
      this.#onOrphan(route);
      const { report } = held;
      const event = create(DeliveryEventSchema, {
        messageId: "",
        tenant: "",
        kind: report.kind,
        status: report.status ?? MessageStatus.UNSPECIFIED,
        time: timestampFromDate(report.time ?? new Date()),
        detail: { ...report.detail, route, orphan: "true" },
        providerMessageId: report.providerMessageId ?? "",
        error: report.error,
      });
      this.#store.record(event).then(() => held.resolve(), held.reject);
    }
  }

  stop(): void {
    for (const key of [...this.#held.keys()]) {
      const route = key.slice(0, key.indexOf("\u0000"));
      this.#giveUp(route, key);
    }
  }
}

function keyOf(route: string, providerId: string): string {
  return `${route}\u0000${providerId}`;
}

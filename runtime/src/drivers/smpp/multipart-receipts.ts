import { DeliveryEventKind, MessageStatus } from "../../gen/hermes/v1/message_pb.js";
import type { ReceiptMeaning } from "./receipts.js";

interface Group {
  readonly ids: readonly string[];
  readonly delivered: Set<string>;
  readonly createdAt: number;
  done: boolean;
}

/**
 * The multipart receipt policy: a concatenated message is DELIVERED once
 * every part's receipt said DELIVRD; the first part that fails or expires
 * decides the message at once; other receipts are PROGRESS events. Groups
 * live in memory (bounded, oldest dropped, and after `ttlMs`): a receipt
 * for a group this process does not know (after a restart) is taken as it
 * is, so the first final receipt decides.
 */
export class MultipartReceipts {
  readonly #byPart = new Map<string, Group>();
  readonly #groups: Group[] = [];
  #head = 0;

  constructor(
    readonly maxGroups = 100_000,
    readonly ttlMs = 72 * 3600 * 1000,
  ) {}

  register(ids: readonly string[], now = Date.now()): void {
    if (ids.length < 2) return;
    this.#evict(now);
    const group: Group = { ids, delivered: new Set(), createdAt: now, done: false };
    for (const id of ids) this.#byPart.set(id, group);
    this.#groups.push(group);
  }

  /** What to report for one part's receipt. */
  decide(partId: string, meaning: ReceiptMeaning): ReceiptMeaning & { readonly detail?: Record<string, string> } {
    const group = this.#byPart.get(partId);
    if (!group || meaning.kind !== DeliveryEventKind.STATUS) return meaning;
    const part = { part: String(group.ids.indexOf(partId) + 1), parts: String(group.ids.length) };
    if (group.done) return { kind: DeliveryEventKind.PROGRESS, detail: part };
    if (meaning.status !== MessageStatus.DELIVERED) {
      group.done = true;
      return { ...meaning, detail: part };
    }
    group.delivered.add(partId);
    if (group.delivered.size < group.ids.length) {
      return { kind: DeliveryEventKind.PROGRESS, detail: { ...part, parts_delivered: String(group.delivered.size) } };
    }
    group.done = true;
    return { ...meaning, detail: { ...part, parts_delivered: String(group.delivered.size) } };
  }

  get size(): number {
    return this.#groups.length - this.#head;
  }

  #evict(now: number): void {
    while (this.#head < this.#groups.length) {
      const oldest = this.#groups[this.#head]!;
      if (this.size < this.maxGroups && now - oldest.createdAt < this.ttlMs) break;
      for (const id of oldest.ids) if (this.#byPart.get(id) === oldest) this.#byPart.delete(id);
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#groups.length) {
      this.#groups.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

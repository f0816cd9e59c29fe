import { DeliveryEventKind, MessageStatus } from "../../gen/hermes/v1/message_pb.js";
import type { ReceiptMeaning } from "./receipts.js";

/** The parts of one multipart message, as their submit_sm_resps arrive. */
export interface PartGroup {
  readonly ids: string[];
  /** Parts with distinct ids (an SMSC that gives every part the same id makes it one). */
  total: number;
  readonly delivered: Set<string>;
  readonly createdAt: number;
  done: boolean;
}

/**
 * The multipart receipt policy: a concatenated message is DELIVERED once
 * every part's receipt said DELIVRD; the first part that fails or expires
 * decides the message at once; other receipts are PROGRESS events. A group
 * is opened before the first part is written and each part's id joins it as
 * its submit_sm_resp arrives, so an early receipt for part 1 cannot finish
 * the message. Groups live in memory (bounded, oldest dropped, and after
 * `ttlMs`): a receipt for a group this process does not know (after a
 * restart) is taken as it is, so the first final receipt decides.
 */
export class MultipartReceipts {
  readonly #byPart = new Map<string, PartGroup>();
  readonly #groups: PartGroup[] = [];
  #head = 0;

  constructor(
    readonly maxGroups = 100_000,
    readonly ttlMs = 72 * 3600 * 1000,
  ) {}

  /** Opens a group for a message of `total` parts. */
  open(total: number, now = Date.now()): PartGroup {
    this.#evict(now);
    const group: PartGroup = { ids: [], total, delivered: new Set(), createdAt: now, done: false };
    this.#groups.push(group);
    return group;
  }

  /**
   * A part's id is known (its submit_sm_resp came); a part without an id, or with a repeated one,
   * cannot be waited for.
   */
  add(group: PartGroup, id: string): void {
    if (id === "" || this.#byPart.get(id) === group) {
      group.total--;
      return;
    }
    group.ids.push(id);
    this.#byPart.set(id, group);
  }

  /** What to report for one part's receipt. */
  decide(
    partId: string,
    meaning: ReceiptMeaning,
  ): ReceiptMeaning & { readonly detail?: Record<string, string> } {
    const group = this.#byPart.get(partId);
    if (!group || group.total < 2 || meaning.kind !== DeliveryEventKind.STATUS) return meaning;
    const part = { part: String(group.ids.indexOf(partId) + 1), parts: String(group.total) };
    if (group.done) return { kind: DeliveryEventKind.PROGRESS, detail: part };
    if (meaning.status !== MessageStatus.DELIVERED) {
      group.done = true;
      return { ...meaning, detail: part };
    }
    group.delivered.add(partId);
    if (group.delivered.size < group.total) {
      return {
        kind: DeliveryEventKind.PROGRESS,
        detail: { ...part, parts_delivered: String(group.delivered.size) },
      };
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

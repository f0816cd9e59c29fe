import type { CorrelationCandidate, MessageStore } from "../store/message-store.js";
import type { ProviderReport } from "./adapter.js";
import { canonicalAddress, matchReport, type ReportMatch } from "./receipt-matching.js";

/** What the correlator hands its decisions to (the router). */
export interface CorrelatorSink {
  /** Records a report on the message it belongs to; resolves once durable. */
  apply(report: ProviderReport, messageId: string): Promise<void>;
  /** Records a report that belongs to no message (counted and logged); resolves once durable. */
  unmatched(route: string, report: ProviderReport, reason: string): Promise<void>;
  /** Whether sends on the route are under way, whose provider ids are not known yet. */
  sendsInFlight(route: string): boolean;
}

interface Held {
  readonly report: ProviderReport;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Finds the Hermes message a provider report is about (receipt-matching.ts
 * has the rule). Provider ids are remembered in memory the moment a send's
 * outcome names them, before the store has them, so a receipt is matched
 * against its own submission and never against an older message that had
 * the same id; the store is asked only for what memory does not hold
 * (receipts after a restart, late and duplicate ones). A report that fits no
 * waiting message while sends on its route are still under way is held
 * briefly, since the submission it belongs to may not have answered yet (a
 * carrier may send submit_sm_resp and receipt in one breath). What still
 * fits nothing is recorded as unmatched, never applied to a guess.
 */
export class ReportCorrelator {
  readonly #store: MessageStore;
  readonly #sink: CorrelatorSink;
  readonly #holdMs: number;
  /** Candidates of waiting messages by route and provider id, newest first. */
  readonly #memory = new Map<string, CorrelationCandidate[]>();
  /** The keys each waiting message is remembered under, to forget it when it finishes. */
  readonly #keysOf = new Map<string, string[]>();
  readonly #held = new Map<string, Held[]>();

  constructor(store: MessageStore, sink: CorrelatorSink, holdMs = 2000) {
    this.#store = store;
    this.#sink = sink;
    this.#holdMs = holdMs;
  }

  /** A send's outcome named these provider ids for a message sent to `address`. */
  remember(
    route: string,
    providerIds: readonly string[],
    messageId: string,
    address: string,
  ): void {
    const candidate: CorrelationCandidate = {
      messageId,
      address: canonicalAddress(address),
      correlatedAt: Date.now(),
      waiting: true,
    };
    const keys: string[] = [];
    for (const id of providerIds) {
      const key = keyOf(route, id);
      keys.push(key);
      const list = this.#memory.get(key);
      if (list) list.unshift(candidate);
      else this.#memory.set(key, [candidate]);
    }
    this.#keysOf.set(messageId, keys);
    for (const key of keys) this.#wake(key);
  }

  /** A message reached a terminal status: it waits for no report any more. */
  finished(messageId: string): void {
    const keys = this.#keysOf.get(messageId);
    if (!keys) return;
    this.#keysOf.delete(messageId);
    for (const key of keys) {
      const list = this.#memory.get(key)?.filter((c) => c.messageId !== messageId);
      if (list?.length) this.#memory.set(key, list);
      else this.#memory.delete(key);
    }
  }

  /** Finds the report's message and records it there, or records it as unmatched. */
  submit(route: string, report: ProviderReport): Promise<void> {
    return this.#decide(route, report, false);
  }

  async #decide(route: string, report: ProviderReport, final: boolean): Promise<void> {
    if (report.messageId) return this.#sink.apply(report, report.messageId);
    const providerId = report.providerMessageId!;
    const key = keyOf(route, providerId);
    const remembered = this.#memory.get(key) ?? [];
    const fromMemory = matchReport(remembered, report.address);
    if (fromMemory.kind === "matched")
      return this.#sink.apply(report, fromMemory.candidate.messageId);
    // Compared as reports give addresses back, whatever form the store kept them in.
    const stored = (await this.#store.correlations(route, providerId, Date.now())).map((c) => ({
      ...c,
      address: canonicalAddress(c.address),
    }));
    // Read memory again: a send may have named this id while the store answered.
    const match = matchReport(merge(this.#memory.get(key) ?? [], stored), report.address);
    if (match.kind === "matched" && match.candidate.waiting) {
      return this.#sink.apply(report, match.candidate.messageId);
    }
    if (!final && !isAmbiguous(match) && this.#sink.sendsInFlight(route))
      return this.#hold(route, key, report);
    if (match.kind === "matched") return this.#sink.apply(report, match.candidate.messageId);
    return this.#sink.unmatched(route, report, match.reason);
  }

  #hold(route: string, key: string, report: ProviderReport): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.#release(route, key, true), this.#holdMs);
      const waiting = this.#held.get(key);
      const held = { report, resolve, reject, timer };
      if (waiting) waiting.push(held);
      else this.#held.set(key, [held]);
    });
  }

  /** New provider ids are known: held reports for them are decided again. */
  #wake(key: string): void {
    if (this.#held.has(key)) this.#release(key.slice(0, key.indexOf("\u0000")), key, false);
  }

  #release(route: string, key: string, final: boolean): void {
    const waiting = this.#held.get(key) ?? [];
    this.#held.delete(key);
    for (const held of waiting) {
      clearTimeout(held.timer);
      this.#decide(route, held.report, final).then(held.resolve, held.reject);
    }
  }

  /** Decides every held report with what is known now (shutdown). */
  stop(): void {
    for (const key of [...this.#held.keys()])
      this.#release(key.slice(0, key.indexOf("\u0000")), key, true);
  }
}

function keyOf(route: string, providerId: string): string {
  return `${route}\u0000${providerId}`;
}

function isAmbiguous(match: ReportMatch): boolean {
  return match.kind === "unmatched" && match.reason === "ambiguous";
}

/** Memory's candidates (newest) with the store's, each message once, newest first. */
function merge(
  remembered: readonly CorrelationCandidate[],
  stored: readonly CorrelationCandidate[],
): CorrelationCandidate[] {
  const seen = new Set(remembered.map((c) => c.messageId));
  return [...remembered, ...stored.filter((c) => !seen.has(c.messageId))].sort(
    (a, b) => b.correlatedAt - a.correlatedAt,
  );
}

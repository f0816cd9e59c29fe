import type { Logger } from "pino";
import type { ServerBind } from "./account.js";
import type { OutboxEntry, SmppServerStore } from "./server-store.js";

export interface OutboxOptions {
  /** deliver_sm unanswered per bind. */
  readonly window: number;
  readonly timeoutMs: number;
  readonly retryMs: number;
  readonly now?: () => number;
}

interface InFlight {
  readonly entry: OutboxEntry;
  readonly bind: ServerBind;
  readonly sequence: number;
  readonly deadline: number;
}

/** What the outbox reports as it goes, for metrics. */
export interface OutboxEvents {
  sent(entry: OutboxEntry): void;
  acknowledged(entry: OutboxEntry): void;
  retried(entry: OutboxEntry, why: "refused" | "unanswered"): void;
}

// Entries read from the store at a time, and the most kept in memory before new ones wait there.
const page = 500;
const memoryCap = 2 * page;

/**
 * One account's deliver_sm (receipts and MO), from its durable outbox to its
 * receiving binds: in the outbox's order, at most `window` unanswered per
 * bind, each kept until the ESME answers ESME_ROK. One refused, or left
 * unanswered past `timeoutMs`, or cut off with its bind, is sent again (to
 * any receiving bind) after `retryMs`, so it may arrive after later ones;
 * one that expires first is dropped. The store holds the queue; memory holds
 * a page of it, read again from the store whenever the account has had no
 * receiving bind, so nothing waits in memory for an account that is away.
 */
export class AccountOutbox {
  readonly #account: string;
  readonly #store: SmppServerStore;
  readonly #options: Required<OutboxOptions>;
  readonly #events: OutboxEvents;
  readonly #log: Logger;
  /** Entries ready to go, by seq. */
  #queue: OutboxEntry[] = [];
  /** Entries waiting out `retryMs`. */
  readonly #retrying = new Map<number, { entry: OutboxEntry; at: number }>();
  readonly #inFlight = new Map<ServerBind, Map<number, InFlight>>();
  /** Acknowledged entries whose deletion may not be committed yet: never read back. */
  readonly #acked = new Set<number>();
  /** Every entry up to this seq is in memory, in flight or done; the store may hold later ones. */
  #loadedUpTo = 0;
  #more = true;
  #loading = false;
  #addedWhileLoading = false;
  #binds: readonly ServerBind[] = [];
  /** Counts #forgetMemory calls: a page read before one is stale. */
  #generation = 0;

  constructor(
    account: string,
    store: SmppServerStore,
    options: OutboxOptions,
    events: OutboxEvents,
    log: Logger,
  ) {
    this.#account = account;
    this.#store = store;
    this.#options = { now: Date.now, ...options };
    this.#events = events;
    this.#log = log;
  }

  /** deliver_sm written and not answered yet, all binds together. */
  get inFlight(): number {
    let n = 0;
    for (const entries of this.#inFlight.values()) n += entries.size;
    return n;
  }

  /** New entries, durable now, in seq order. */
  added(entries: readonly OutboxEntry[]): void {
    if (this.#loading) this.#addedWhileLoading = true;
    if (this.#more || this.#loading || this.#queue.length >= memoryCap) {
      this.#more = true;
      return;
    }
    for (const entry of entries) {
      this.#queue.push(entry);
      this.#loadedUpTo = Math.max(this.#loadedUpTo, entry.seq);
    }
    this.pump();
  }

  /** The account's receiving binds changed. */
  bindsChanged(binds: readonly ServerBind[]): void {
    for (const bind of this.#inFlight.keys()) if (!binds.includes(bind)) this.#bindLost(bind);
    this.#binds = binds;
    if (binds.length === 0) this.#forgetMemory();
    this.pump();
  }

  /** A deliver_sm_resp (or generic_nack) from one of the binds. */
  answered(bind: ServerBind, sequence: number, status: number): void {
    const flight = this.#inFlight.get(bind)?.get(sequence);
    if (!flight) return;
    this.#inFlight.get(bind)!.delete(sequence);
    if (status === 0) {
      this.#acked.add(flight.entry.seq);
      this.#events.acknowledged(flight.entry);
      this.#store.delivered(flight.entry.seq).then(
        () => this.#acked.delete(flight.entry.seq),
        (err) =>
          this.#log.error({ err, account: this.#account }, "removing a delivered entry failed"),
      );
    } else {
      this.#retry(flight.entry, "refused");
    }
    this.pump();
  }

  /** Retries what went unanswered too long and what has waited out its delay; called every so often. */
  sweep(): void {
    const now = this.#options.now();
    for (const entries of this.#inFlight.values())
      for (const [sequence, flight] of entries) {
        if (flight.deadline > now) continue;
        entries.delete(sequence);
        this.#retry(flight.entry, "unanswered");
      }
    for (const [seq, { entry, at }] of this.#retrying) {
      if (at > now) continue;
      this.#retrying.delete(seq);
      this.#insert(entry);
    }
    this.pump();
  }

  /** Writes what the binds' windows allow, in seq order; reads the next page when memory runs low. */
  pump(): void {
    if (this.#binds.length === 0) return;
    const now = this.#options.now();
    for (const bind of this.#binds) {
      let flights = this.#inFlight.get(bind);
      if (!flights) {
        flights = new Map();
        this.#inFlight.set(bind, flights);
      }
      while (flights.size < this.#options.window && this.#queue.length > 0) {
        const entry = this.#queue.shift()!;
        if (entry.expiresAt <= now) continue; // the purge removes it from the store
        const sequence = bind.connection.request(entry.pdu);
        if (sequence === 0) {
          this.#queue.unshift(entry); // the bind is closing; its loss is reported separately
          break;
        }
        flights.set(sequence, { entry, bind, sequence, deadline: now + this.#options.timeoutMs });
        this.#events.sent(entry);
      }
    }
    if (this.#more && !this.#loading && this.#queue.length < page / 2) void this.#load();
  }

  async #load(): Promise<void> {
    this.#loading = true;
    this.#addedWhileLoading = false;
    const generation = this.#generation;
    try {
      const now = this.#options.now();
      const rows = await this.#store.pending(this.#account, this.#loadedUpTo, page, now);
      if (generation !== this.#generation) return;
      for (const entry of rows) {
        this.#loadedUpTo = Math.max(this.#loadedUpTo, entry.seq);
        if (!this.#acked.has(entry.seq)) this.#queue.push(entry);
      }
      this.#more = rows.length === page || this.#addedWhileLoading;
    } catch (err) {
      this.#log.error({ err, account: this.#account }, "reading the outbox failed");
    } finally {
      this.#loading = false;
    }
    if (this.#binds.length > 0) this.pump();
  }

  #retry(entry: OutboxEntry, why: "refused" | "unanswered"): void {
    this.#events.retried(entry, why);
    this.#retrying.set(entry.seq, { entry, at: this.#options.now() + this.#options.retryMs });
  }

  /** A bind went with entries unanswered: they go again, at once, to another bind. */
  #bindLost(bind: ServerBind): void {
    const flights = this.#inFlight.get(bind);
    this.#inFlight.delete(bind);
    for (const flight of flights?.values() ?? []) this.#insert(flight.entry);
  }

  /** Puts an entry back in seq order. */
  #insert(entry: OutboxEntry): void {
    let at = this.#queue.length;
    while (at > 0 && this.#queue[at - 1]!.seq > entry.seq) at--;
    this.#queue.splice(at, 0, entry);
  }

  /** No receiving bind: drop the page; the store has it all, and the next bind reads it from the start. */
  #forgetMemory(): void {
    this.#queue = [];
    this.#retrying.clear();
    this.#loadedUpTo = 0;
    this.#more = true;
    this.#generation++;
  }
}

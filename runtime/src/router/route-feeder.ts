import type { Message } from "../gen/hermes/v1/message_pb.js";
import { ErrorCode, errorDetail } from "../errors/hermes-error.js";
import type { ChannelAdapter, SendOutcome } from "./adapter.js";

/** Where a feeder hands each finished attempt. */
export type OutcomeHandler = (
  message: Message,
  attempt: number,
  outcome: SendOutcome,
) => Promise<void>;

const priorities = 10;

/**
 * The producer side of a route: a priority queue of messages waiting for
 * their route's adapter. It never has more sends outstanding than the
 * adapter's demand and asks again only when a send completes or the adapter
 * says its demand changed, so a full window stops the flow here, with no
 * polling and nothing queued inside the adapter.
 */
export class RouteFeeder {
  readonly #adapter: ChannelAdapter;
  readonly #onOutcome: OutcomeHandler;
  // One FIFO per priority (9 is served first); a head index avoids shift().
  readonly #queues: Array<{ items: Message[]; head: number }> = Array.from(
    { length: priorities },
    () => ({ items: [], head: 0 }),
  );
  readonly #timers = new Map<string, NodeJS.Timeout>();
  // Ids dropped while queued; skipped when their turn comes.
  readonly #cancelled = new Set<string>();
  #queued = 0;
  #inFlight = 0;
  #stopped = false;
  #pumping = false;

  constructor(adapter: ChannelAdapter, onOutcome: OutcomeHandler) {
    this.#adapter = adapter;
    this.#onOutcome = onOutcome;
  }

  /** Messages waiting, ready or delayed. */
  get queued(): number {
    return this.#queued + this.#timers.size;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  enqueue(message: Message): void {
    const queue = this.#queues[Math.min(message.priority, priorities - 1)];
    queue.items.push(message);
    this.#queued++;
    this.pump();
  }

  /** Queues a message once `delayMs` has passed (a retry's backoff). */
  enqueueAfter(message: Message, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(message.id);
      this.enqueue(message);
    }, delayMs);
    timer.unref();
    this.#timers.set(message.id, timer);
  }

  /** Drops a message that is no longer to be sent (it expired while waiting). */
  forget(id: string): void {
    const timer = this.#timers.get(id);
    if (timer) {
      clearTimeout(timer);
      this.#timers.delete(id);
    } else {
      this.#cancelled.add(id);
    }
  }

  /** Takes every waiting message out, for failover to another route. */
  drain(): Message[] {
    const drained: Message[] = [];
    for (let message = this.#take(); message; message = this.#take()) drained.push(message);
    return drained;
  }

  /** Sends as many messages as the adapter has demand for. */
  pump(): void {
    if (this.#stopped || this.#pumping || this.#queued === 0) return;
    this.#pumping = true;
    try {
      let demand = this.#adapter.demand();
      while (demand-- > 0) {
        const message = this.#take();
        if (!message) break;
        void this.#attempt(message);
      }
    } finally {
      this.#pumping = false;
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #take(): Message | undefined {
    for (let p = priorities - 1; p >= 0; p--) {
      const queue = this.#queues[p];
      while (queue.head < queue.items.length) {
        const message = queue.items[queue.head++];
        if (queue.head > 1024 && queue.head * 2 > queue.items.length) {
          queue.items = queue.items.slice(queue.head);
          queue.head = 0;
        }
        this.#queued--;
        if (!this.#cancelled.delete(message.id)) return message;
      }
    }
    return undefined;
  }

  async #attempt(message: Message): Promise<void> {
    const attempt = message.attempts + 1;
    this.#inFlight++;
    let outcome: SendOutcome;
    try {
      outcome = await this.#adapter.send(message, attempt);
    } catch (reason) {
      outcome = {
        kind: "failed",
        error: errorDetail(
          ErrorCode.INTERNAL,
          `adapter failed: ${reason instanceof Error ? reason.message : String(reason)}`,
          { retryable: true },
        ),
      };
    }
    this.#inFlight--;
    this.pump();
    await this.#onOutcome(message, attempt, outcome);
  }
}

import { ErrorCode, errorDetail } from "../errors/hermes-error.js";
import type { Message } from "../gen/hermes/v1/message_pb.js";
import type { ChannelAdapter, SendOutcome } from "./adapter.js";

/** What a feeder asks of its owner around each attempt. */
export interface FeederHooks {
  /**
   * Records that `attempt` of `message` is about to leave, durably; the send
   * waits for it, so that after a crash every attempt that may have left is
   * known. A rejection fails the attempt retryably, unsent. Resolving false
   * says the message is no longer to be sent (it was cancelled while it
   * waited): the feeder drops it.
   */
  beforeSend(message: Message, attempt: number): Promise<unknown>;
  /** Takes a finished attempt's outcome. */
  onOutcome(message: Message, attempt: number, outcome: SendOutcome): Promise<void>;
  /** Hears about an outcome that could not be taken (the owner logs it). */
  onHookError(message: Message, reason: unknown): void;
}

const priorities = 10;

/**
 * The producer side of a route: a priority queue of messages waiting for
 * their route's adapter. It never has more sends outstanding (recording
 * their intent or with the adapter) than the adapter's demand, and asks again
 * only when a send completes or the adapter says its demand changed, so a
 * full window stops the flow here, with no polling and nothing queued inside
 * the adapter.
 */
export class RouteFeeder {
  readonly #adapter: ChannelAdapter;
  readonly #hooks: FeederHooks;
  // One FIFO per priority (9 is served first); a head index avoids shift().
  readonly #queues: Array<{ items: Message[]; head: number }> = Array.from(
    { length: priorities },
    () => ({ items: [], head: 0 }),
  );
  readonly #timers = new Map<string, NodeJS.Timeout>();
  // Ids dropped while queued; skipped when their turn comes.
  readonly #cancelled = new Set<string>();
  #queued = 0;
  /** Taken from the queue, waiting for their intent to be durable. */
  #launching = 0;
  /** Their intent durable, waiting for the adapter's demand. */
  #prepared: Array<{ readonly message: Message; readonly attempt: number }> = [];
  /**
   * How many attempts may be launching or prepared at once: the most demand
   * the adapter has shown (its window). Intents are recorded while the window
   * is full, so a freed slot takes a message at once instead of waiting for a
   * commit; the price is that a crash can leave up to this many intents
   * recorded for sends that never left (flagged duplicate_risk on restart).
   */
  #ahead = 0;
  /** With the adapter. */
  #sending = 0;
  #stopped = false;
  #pumping = false;

  constructor(adapter: ChannelAdapter, hooks: FeederHooks) {
    this.#adapter = adapter;
    this.#hooks = hooks;
  }

  /**
   * Messages not yet with the adapter: ready, delayed, or with their intent being recorded or
   * recorded.
   */
  get queued(): number {
    return this.#queued + this.#timers.size + this.#launching + this.#prepared.length;
  }

  /** Sends with the adapter, whose outcome is not known yet. */
  get inFlight(): number {
    return this.#sending;
  }

  enqueue(message: Message): void {
    const queue = this.#queues[Math.min(message.priority, priorities - 1)]!;
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
    const prepared = this.#prepared.findIndex((p) => p.message.id === id);
    if (timer) {
      clearTimeout(timer);
      this.#timers.delete(id);
    } else if (prepared >= 0) {
      this.#prepared.splice(prepared, 1);
    } else {
      this.#cancelled.add(id);
    }
  }

  /** Takes every waiting message out (prepared ones first), for failover to another route. */
  drain(): Message[] {
    const drained = this.#prepared.map((p) => p.message);
    this.#prepared = [];
    for (let message = this.#take(); message; message = this.#take()) drained.push(message);
    return drained;
  }

  /**
   * Sends prepared attempts while the adapter has demand, then records the
   * intent of as many more as may wait prepared.
   */
  pump(): void {
    if (this.#stopped || this.#pumping) return;
    this.#pumping = true;
    try {
      let demand = this.#adapter.demand();
      if (demand > this.#ahead) this.#ahead = demand;
      while (demand > 0 && this.#prepared.length > 0) {
        const { message, attempt } = this.#prepared.shift()!;
        this.#send(message, attempt).catch((reason: unknown) =>
          this.#hooks.onHookError(message, reason),
        );
        demand = this.#adapter.demand();
      }
      let room = this.#ahead - this.#launching - this.#prepared.length;
      while (room-- > 0 && this.#queued > 0) {
        const message = this.#take();
        if (!message) break;
        this.#launch(message).catch((reason: unknown) => this.#hooks.onHookError(message, reason));
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
      const queue = this.#queues[p]!;
      while (queue.head < queue.items.length) {
        const message = queue.items[queue.head++]!;
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

  /** Records the attempt's intent; once durable, the attempt waits prepared for demand. */
  async #launch(message: Message): Promise<void> {
    const attempt = message.attempts + 1;
    this.#launching++;
    let go: boolean;
    try {
      go = (await this.#hooks.beforeSend(message, attempt)) !== false;
    } catch (reason) {
      this.#launching--;
      this.pump();
      const why = reason instanceof Error ? reason.message : String(reason);
      await this.#hooks.onOutcome(message, attempt, {
        kind: "failed",
        error: errorDetail(
          ErrorCode.INTERNAL,
          `the attempt could not be recorded, so it was not sent: ${why}`,
          { retryable: true },
        ),
      });
      return;
    }
    this.#launching--;
    if (!go) {
      this.pump();
      return;
    }
    this.#prepared.push({ message, attempt });
    this.pump();
  }

  async #send(message: Message, attempt: number): Promise<void> {
    this.#sending++;
    let outcome: SendOutcome;
    try {
      outcome = await this.#adapter.send(message, attempt);
    } catch (reason) {
      const why = reason instanceof Error ? reason.message : String(reason);
      outcome = {
        kind: "failed",
        error: errorDetail(ErrorCode.INTERNAL, `adapter failed: ${why}`, { retryable: true }),
      };
    }
    this.#sending--;
    this.pump();
    await this.#hooks.onOutcome(message, attempt, outcome);
  }
}

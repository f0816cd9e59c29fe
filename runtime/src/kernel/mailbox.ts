/**
 * The four priority classes, served strictly in this order: a message of a
 * class is taken only when every class before it is empty.
 * - urgent: must not wait behind anything (enquire_link replies)
 * - system: lifecycle and control (bind/unbind, exit signals, demand)
 * - main: the work (submits, events)
 * - log: telemetry; bounded, the oldest is dropped first under pressure
 */
export type Priority = "urgent" | "system" | "main" | "log";

/** The classes in service order. */
export const priorities: readonly Priority[] = ["urgent", "system", "main", "log"];

/** Mailbox depth per class, as `Actor.mailboxDepth()` details it. */
export type MailboxDepth = Readonly<Record<Priority, number>> & {
  readonly total: number;
  readonly dropped: number;
};

/**
 * A FIFO queue on an array with a moving head: O(1) push and shift without
 * re-indexing; the consumed prefix is cut off once it is half the array.
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Puts items back at the front, in order (their original place). */
  unshiftAll(items: readonly T[]): void {
    this.#items = [...items, ...this.#items.slice(this.#head)];
    this.#head = 0;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes up to `n` items from the front. */
  take(n: number): T[] {
    const count = Math.min(n, this.length);
    const out = this.#items.slice(this.#head, this.#head + count) as T[];
    this.#head += count;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
    return out;
  }

  /** Empties the queue and returns what it held. */
  drain(): T[] {
    return this.take(this.length);
  }
}

/**
 * Four FIFO queues, one per priority class. Only the log class is bounded:
 * when full, its oldest message is dropped and handed back to the caller (so
 * a waiting `call` can be rejected) and counted.
 */
export class PriorityMailbox<T> {
  readonly #queues: Record<Priority, Fifo<T>> = {
    urgent: new Fifo(),
    system: new Fifo(),
    main: new Fifo(),
    log: new Fifo(),
  };
  readonly #logCapacity: number;
  #size = 0;
  #dropped = 0;

  constructor(logCapacity: number) {
    if (!(logCapacity >= 1))
      throw new RangeError(`log capacity must be at least 1, got ${logCapacity}`);
    this.#logCapacity = logCapacity;
  }

  get size(): number {
    return this.#size;
  }

  /** Enqueues; returns the message dropped to make room, if any. */
  push(priority: Priority, item: T): T | undefined {
    const queue = this.#queues[priority];
    queue.push(item);
    if (priority === "log" && queue.length > this.#logCapacity) {
      this.#dropped++;
      return queue.shift();
    }
    this.#size++;
    return undefined;
  }

  /** The next message by priority, or undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    this.#size--;
    const q = this.#queues;
    return q.urgent.shift() ?? q.system.shift() ?? q.main.shift() ?? q.log.shift();
  }

  /** Empties every class, in service order. */
  drain(): T[] {
    this.#size = 0;
    return priorities.flatMap((p) => this.#queues[p].drain());
  }

  depth(): MailboxDepth {
    const q = this.#queues;
    return {
      urgent: q.urgent.length,
      system: q.system.length,
      main: q.main.length,
      log: q.log.length,
      total: this.#size,
      dropped: this.#dropped,
    };
  }
}

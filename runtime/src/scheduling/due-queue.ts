/** What a DueQueue asks of its clock and how much it hands over per turn. */
export interface DueQueueOptions {
  /** Keys handed to `onDue` per event-loop turn at most, so a burst never holds the loop (default 500). */
  readonly batch?: number;
  readonly now?: () => number;
}

/** setTimeout's longest delay; a later time is waited for in steps. */
const maxDelayMs = 2 ** 31 - 1;

/**
 * Keys due at a time, on one timer: a binary min-heap of (time, key) in two
 * flat arrays and one setTimeout armed for the earliest, so a hundred
 * thousand waiting messages cost a few dozen bytes each and one timer, not a
 * timer each. Due keys are handed over in batches, one batch per turn of the
 * event loop. Deleting or moving a key leaves its old heap entry behind, to
 * be skipped when it comes up (the map of held keys says which entry
 * counts); the heap is rebuilt when such entries outnumber live ones.
 */
export class DueQueue {
  readonly #onDue: (keys: readonly string[]) => void;
  readonly #batch: number;
  readonly #now: () => number;
  readonly #times: number[] = [];
  readonly #keys: string[] = [];
  /** Every key held, with the time its live heap entry has. */
  readonly #held = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #draining = false;
  #stopped = false;

  constructor(onDue: (keys: readonly string[]) => void, options: DueQueueOptions = {}) {
    this.#onDue = onDue;
    this.#batch = options.batch ?? 500;
    this.#now = options.now ?? Date.now;
  }

  /** Keys held. */
  get size(): number {
    return this.#held.size;
  }

  has(key: string): boolean {
    return this.#held.has(key);
  }

  /** Holds `key` until `at` (ms since the epoch); holding a key again moves it. */
  add(key: string, at: number): void {
    if (this.#stopped) return;
    this.#held.set(key, at);
    this.#push(at, key);
    if (this.#times.length > 1024 && this.#times.length > 2 * this.#held.size) this.#rebuild();
    if (at < this.#armedFor && !this.#draining) this.#arm();
  }

  /** Lets `key` go before it is due; true when it was held. */
  delete(key: string): boolean {
    return this.#held.delete(key);
  }

  /** Drops every key and the timer. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#held.clear();
    this.#times.length = 0;
    this.#keys.length = 0;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    if (this.#times.length === 0) return;
    const at = this.#times[0]!;
    this.#armedFor = at;
    this.#timer = setTimeout(
      () => this.#drain(),
      Math.min(maxDelayMs, Math.max(0, at - this.#now())),
    );
    this.#timer.unref();
  }

  /** Hands over what is due, a batch per turn, then arms for what is next. */
  #drain(): void {
    if (this.#stopped) return;
    this.#draining = true;
    const now = this.#now();
    const due: string[] = [];
    while (due.length < this.#batch && this.#times.length > 0 && this.#times[0]! <= now) {
      const time = this.#times[0]!;
      const key = this.#keys[0]!;
      this.#pop();
      if (this.#held.get(key) !== time) continue; // deleted, or moved to another time
      this.#held.delete(key);
      due.push(key);
    }
    const more = this.#times.length > 0 && this.#times[0]! <= now;
    try {
      if (due.length > 0) this.#onDue(due);
    } finally {
      if (more) setImmediate(() => this.#drain());
      else {
        this.#draining = false;
        this.#arm();
      }
    }
  }

  #rebuild(): void {
    this.#times.length = 0;
    this.#keys.length = 0;
    for (const [key, at] of this.#held) this.#push(at, key);
  }

  #push(time: number, key: string): void {
    const times = this.#times;
    const keys = this.#keys;
    let i = times.length;
    times.push(time);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= time) break;
      times[i] = times[parent]!;
      keys[i] = keys[parent]!;
      i = parent;
    }
    times[i] = time;
    keys[i] = key;
  }

  #pop(): void {
    const times = this.#times;
    const keys = this.#keys;
    const lastTime = times.pop()!;
    const lastKey = keys.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && times[child + 1]! < times[child]!) child++;
      if (times[child]! >= lastTime) break;
      times[i] = times[child]!;
      keys[i] = keys[child]!;
      i = child;
    }
    times[i] = lastTime;
    keys[i] = lastKey;
  }
}

/**
 * A producer's side of a subscription: the link between one producer and one
 * consumer. Both stages hold the same object.
 */
export interface Subscription {
  readonly id: number;
  readonly producer: { readonly name: string };
  readonly consumer: { readonly name: string };
}

/** Hands a batch of events to one subscriber. */
export type Deliver<T> = (subscription: Subscription, events: T[]) => void;

/**
 * How a producer shares its events among subscribers (GenStage's
 * dispatchers). It keeps each subscriber's demand and never sends a
 * subscriber more than it asked for.
 */
export interface Dispatcher<T> {
  subscribe(subscription: Subscription): void;
  /** Forgets a subscriber; returns demand the producer may now serve (broadcast). */
  cancel(subscription: Subscription): number;
  /** Adds a subscriber's demand; returns how much new demand the producer should serve. */
  ask(subscription: Subscription, count: number): number;
  /** Sends what demand allows; returns the events left over, to buffer. */
  dispatch(events: T[], deliver: Deliver<T>): T[];
  /** Outstanding demand, for the snapshot. */
  demand(): number;
}

/** Sends each batch to the subscriber with the most demand (GenStage.DemandDispatcher). */
export class DemandDispatcher<T> implements Dispatcher<T> {
  readonly #demand = new Map<Subscription, number>();

  subscribe(subscription: Subscription): void {
    this.#demand.set(subscription, 0);
  }

  cancel(subscription: Subscription): number {
    this.#demand.delete(subscription);
    return 0;
  }

  ask(subscription: Subscription, count: number): number {
    const current = this.#demand.get(subscription);
    if (current === undefined) return 0;
    this.#demand.set(subscription, current + count);
    return count;
  }

  dispatch(events: T[], deliver: Deliver<T>): T[] {
    let offset = 0;
    while (offset < events.length) {
      let best: Subscription | undefined;
      let most = 0;
      for (const [subscription, demand] of this.#demand) {
        if (demand > most) {
          best = subscription;
          most = demand;
        }
      }
      if (best === undefined) break;
      const count = Math.min(most, events.length - offset);
      this.#demand.set(best, most - count);
      deliver(
        best,
        offset === 0 && count === events.length ? events : events.slice(offset, offset + count),
      );
      offset += count;
    }
    return offset === 0 ? events : events.slice(offset);
  }

  demand(): number {
    let total = 0;
    for (const demand of this.#demand.values()) total += demand;
    return total;
  }
}

/**
 * Sends every event to every subscriber (GenStage.BroadcastDispatcher), so
 * it goes at the pace of the slowest: only as many events as the smallest
 * demand.
 */
export class BroadcastDispatcher<T> implements Dispatcher<T> {
  readonly #demand = new Map<Subscription, number>();

  subscribe(subscription: Subscription): void {
    this.#demand.set(subscription, 0);
  }

  cancel(subscription: Subscription): number {
    const before = this.#min();
    this.#demand.delete(subscription);
    return Math.max(0, this.#min() - before);
  }

  ask(subscription: Subscription, count: number): number {
    const current = this.#demand.get(subscription);
    if (current === undefined) return 0;
    const before = this.#min();
    this.#demand.set(subscription, current + count);
    return this.#min() - before;
  }

  dispatch(events: T[], deliver: Deliver<T>): T[] {
    const count = Math.min(this.#min(), events.length);
    if (count === 0) return events;
    const batch = count === events.length ? events : events.slice(0, count);
    for (const [subscription, demand] of this.#demand) {
      this.#demand.set(subscription, demand - count);
      deliver(subscription, batch);
    }
    return count === events.length ? [] : events.slice(count);
  }

  demand(): number {
    return this.#min();
  }

  #min(): number {
    if (this.#demand.size === 0) return 0;
    return Math.min(...this.#demand.values());
  }
}

import type { EventRecord } from "../store/event-record.js";

export type EventListener = (event: EventRecord) => void;

/**
 * Live delivery events, published after they are stored. Watchers subscribe
 * here and replay older events from the store, so the bus keeps no history.
 */
export class EventBus {
  readonly #listeners = new Set<EventListener>();

  publish(event: EventRecord): void {
    for (const listener of this.#listeners) listener(event);
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get watchers(): number {
    return this.#listeners.size;
  }
}

import type { Subscription } from "./dispatcher.js";
import { Stage, type StageOptions } from "./stage.js";

/**
 * A GenStage producer: `handleDemand(n)` returns (or `emit`s) up to n
 * events; demand it cannot serve yet is the producer's to remember, and
 * events emitted beyond demand wait in its bounded buffer.
 */
export abstract class Producer<T> extends Stage<never, T> {
  constructor(options: StageOptions<T> = {}) {
    super("producer", options);
  }

  protected abstract override handleDemand(demand: number): T[] | void | Promise<T[] | void>;
}

/**
 * A GenStage producer-consumer: subscribes upstream, and `handleEvents`
 * returns the events to send downstream. It takes input only as fast as its
 * own subscribers ask, so backpressure crosses it.
 */
export abstract class ProducerConsumer<TIn, TOut> extends Stage<TIn, TOut> {
  constructor(options: StageOptions<TOut> = {}) {
    super("producer_consumer", options);
  }

  protected abstract override handleEvents(
    events: TIn[],
    from: Subscription,
  ): TOut[] | void | Promise<TOut[] | void>;
}

/** A GenStage consumer: subscribes upstream and handles batches in `handleEvents`. */
export abstract class Consumer<T> extends Stage<T, never> {
  constructor(options: StageOptions<never> = {}) {
    super("consumer", options);
  }

  protected abstract override handleEvents(events: T[], from: Subscription): void | Promise<void>;
}

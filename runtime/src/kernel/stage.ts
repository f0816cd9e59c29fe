import { Actor, type ActorOptions } from "./actor.js";
import { DemandDispatcher, type Dispatcher, type Subscription } from "./dispatcher.js";
import { Fifo } from "./mailbox.js";
import {
  isNormalExit,
  type ExitReason,
  type ProcessKind,
  type ProcessSnapshot,
} from "./process.js";

/** GenStage's stage types. */
export type StageType = "producer" | "producer_consumer" | "consumer";

export interface StageOptions<TOut> extends ActorOptions {
  /** Producers: how events are shared among subscribers; default `new DemandDispatcher()`. */
  readonly dispatcher?: Dispatcher<TOut>;
  /** Producers: events kept while nobody asks (the oldest dropped beyond it); default 10 000. */
  readonly bufferSize?: number;
}

/**
 * How a consumer subscribes (GenStage's subscription options).
 * - automatic mode asks `maxDemand` at once, then asks again in chunks of
 *   `maxDemand - minDemand` as it handles events;
 * - manual mode asks only when the consumer calls `ask` (an SMPP session
 *   asks one per free window slot).
 * `cancel` is what the consumer does when its producer exits: "permanent"
 * exits with the same reason, "transient" only if it is not normal,
 * "temporary" never.
 */
export interface SubscribeOptions {
  /** Default 1000. */
  readonly maxDemand?: number;
  /** Default 75% of maxDemand. */
  readonly minDemand?: number;
  readonly mode?: "automatic" | "manual";
  readonly cancel?: "permanent" | "transient" | "temporary";
}

/** A consumer's view of one subscription. */
interface Upstream {
  readonly maxDemand: number;
  readonly minDemand: number;
  readonly mode: "automatic" | "manual";
  readonly cancel: "permanent" | "transient" | "temporary";
  /** Asked and not yet received. */
  outstanding: number;
  /** Received and not yet handled. */
  buffered: number;
  readonly unwatch: () => void;
}

interface Batch<T> {
  readonly subscription: StageSubscription;
  readonly events: T[];
}

/** A subscription between two stages of this kernel. */
type StageSubscription = Subscription & {
  readonly producer: Stage<unknown, unknown>;
  readonly consumer: Stage<unknown, unknown>;
};

let subscriptionIds = 0;

/**
 * The machinery shared by `Producer`, `ProducerConsumer` and `Consumer`:
 * GenStage's demand protocol between actors. Demand and subscriptions travel
 * as system-priority messages, events as main-priority ones, and a producer
 * never sends a subscriber more than it asked for; a consumer that stops
 * asking stops the flow. Events a consumer received but had not handled when
 * it exited go back, in order, to the front of its producer's buffer, so a
 * restarted consumer loses none and sees none twice.
 */
export abstract class Stage<TIn, TOut> extends Actor {
  override readonly kind: ProcessKind = "stage";
  readonly stageType: StageType;
  readonly #dispatcher: Dispatcher<TOut>;
  readonly #buffer = new Fifo<TOut>();
  readonly #bufferSize: number;
  #dropped = 0;
  readonly #consumerWatches = new Map<StageSubscription, () => void>();
  /** Producer-consumers: downstream demand not yet used to handle input. */
  #downstream = 0;
  readonly #upstreams = new Map<StageSubscription, Upstream>();
  readonly #pending = new Fifo<Batch<TIn>>();
  /** A handling run is already in the mailbox: one is enough for any number of batches. */
  #handlingQueued = false;

  protected constructor(stageType: StageType, options: StageOptions<TOut>) {
    super(options);
    this.stageType = stageType;
    this.#dispatcher = options.dispatcher ?? new DemandDispatcher();
    this.#bufferSize = options.bufferSize ?? 10_000;
    this.onExit(() => this.#giveBackPending());
  }

  /**
   * Subscribes this consumer to `producer` and, in automatic mode, asks for
   * `maxDemand` events. Call it in `init` (GenStage's subscribe_to) so that a
   * restarted consumer subscribes again.
   */
  subscribe(producer: Stage<unknown, TIn>, options: SubscribeOptions = {}): Subscription {
    if (this.stageType === "producer")
      throw new TypeError(`${this.name}: a producer cannot subscribe`);
    if (producer.stageType === "consumer")
      throw new TypeError(`${this.name}: ${producer.name} is a consumer`);
    const maxDemand = options.maxDemand ?? 1000;
    const minDemand = options.minDemand ?? Math.floor(maxDemand * 0.75);
    if (!(maxDemand >= 1) || !(minDemand >= 0 && minDemand < maxDemand))
      throw new RangeError(`${this.name}: need 0 <= minDemand < maxDemand`);
    const subscription: StageSubscription = {
      id: ++subscriptionIds,
      producer: producer as Stage<unknown, unknown>,
      consumer: this as Stage<unknown, unknown>,
    };
    const unwatch = producer.onExit((reason) =>
      this.schedule("system", () => this.#producerExited(subscription, reason)),
    );
    this.#upstreams.set(subscription, {
      maxDemand,
      minDemand,
      mode: options.mode ?? "automatic",
      cancel: options.cancel ?? "permanent",
      outstanding: 0,
      buffered: 0,
      unwatch,
    });
    subscription.producer.#accept(subscription);
    if (options.mode !== "manual") this.ask(subscription, maxDemand);
    return subscription;
  }

  /** Asks the producer of `subscription` for `count` more events (manual mode; automatic mode asks by itself). */
  ask(subscription: Subscription, count: number): void {
    const upstream = this.#upstreams.get(subscription as StageSubscription);
    if (!upstream || count <= 0) return;
    upstream.outstanding += count;
    const { producer } = subscription as StageSubscription;
    producer.schedule("system", () =>
      producer.#serveDemand(producer.#dispatcher.ask(subscription, count)),
    );
  }

  /** Ends a subscription from the consumer side; the producer forgets it. */
  cancel(subscription: Subscription): void {
    const upstream = this.#upstreams.get(subscription as StageSubscription);
    if (!upstream) return;
    upstream.unwatch();
    this.#upstreams.delete(subscription as StageSubscription);
    const { producer } = subscription as StageSubscription;
    producer.schedule("system", () => producer.#cancelled(subscription as StageSubscription));
  }

  override snapshot(): ProcessSnapshot {
    const own = super.snapshot();
    const detail: Record<string, string> = { ...own.detail, stage: this.stageType };
    if (this.stageType !== "consumer")
      Object.assign(detail, {
        buffered: String(this.#buffer.length),
        dropped: String(this.#dropped),
      });
    if (this.stageType !== "producer")
      Object.assign(detail, {
        pending_events: String(this.#pendingEvents()),
        subscriptions: String(this.#upstreams.size),
      });
    return { ...own, detail };
  }

  /** Producers: demand subscribers have asked for and not received. Consumers: demand asked upstream. */
  protected override demand(): number {
    if (this.stageType !== "consumer") return this.#dispatcher.demand();
    let total = 0;
    for (const upstream of this.#upstreams.values()) total += upstream.outstanding;
    return total;
  }

  /**
   * Producers and producer-consumers: sends events now from any handler (a
   * producer fed from outside); what no subscriber has asked for waits in
   * the buffer.
   */
  protected emit(events: TOut[]): void {
    if (events.length === 0) return;
    const leftover =
      this.#buffer.length > 0 ? events : this.#dispatcher.dispatch(events, Stage.#deliver);
    for (const event of leftover) this.#buffer.push(event);
    const excess = this.#buffer.length - this.#bufferSize;
    if (excess > 0) {
      this.#buffer.take(excess);
      this.#dropped += excess;
      this.log.warn(
        { stage: this.name, dropped: excess },
        "producer buffer full: oldest events dropped",
      );
    }
  }

  /** Producers: called with new demand; return (or `emit`) up to that many events. */
  protected handleDemand(_demand: number): TOut[] | void | Promise<TOut[] | void> {}

  /** Consumers and producer-consumers: handles a batch; producer-consumers return the events to send on. */
  protected handleEvents(
    _events: TIn[],
    _from: Subscription,
  ): TOut[] | void | Promise<TOut[] | void> {
    throw new Error(`${this.name}: handleEvents is not implemented`);
  }

  /** Producer side: a consumer subscribed. */
  #accept(subscription: StageSubscription): void {
    this.schedule("system", () => {
      this.#dispatcher.subscribe(subscription);
      const unwatch = subscription.consumer.onExit(() =>
        this.schedule("system", () => this.#cancelled(subscription)),
      );
      this.#consumerWatches.set(subscription, unwatch);
    });
  }

  /** Producer side: serves new demand from the buffer first, then from `handleDemand` or pending input. */
  #serveDemand(demand: number): void | Promise<void> {
    if (demand <= 0) return;
    if (this.#buffer.length > 0) {
      const taken = this.#buffer.take(demand);
      demand -= taken.length;
      this.#buffer.unshiftAll(this.#dispatcher.dispatch(taken, Stage.#deliver));
      if (demand <= 0) return;
    }
    if (this.stageType === "producer_consumer") {
      this.#downstream += demand;
      return this.#handlePending();
    }
    const produced = this.handleDemand(demand);
    if (produced instanceof Promise) return produced.then((events) => events && this.emit(events));
    if (produced) this.emit(produced);
  }

  /** Producer side: a subscriber went away (cancelled or exited). */
  #cancelled(subscription: StageSubscription): void | Promise<void> {
    const unwatch = this.#consumerWatches.get(subscription);
    if (!unwatch) return;
    unwatch();
    this.#consumerWatches.delete(subscription);
    return this.#serveDemand(this.#dispatcher.cancel(subscription));
  }

  /** Producer side: events a consumer received and never handled come back to the front of the buffer. */
  #takeBack(subscription: StageSubscription, events: TOut[]): void | Promise<void> {
    this.#buffer.unshiftAll(events);
    const served = this.#cancelled(subscription);
    // Offer them to the remaining subscribers' current demand.
    const queued = this.#buffer.drain();
    this.#buffer.unshiftAll(this.#dispatcher.dispatch(queued, Stage.#deliver));
    return served;
  }

  /** Consumer side: a batch arrived (called in the producer's turn; handled in ours). */
  #receive(subscription: StageSubscription, events: TIn[]): void {
    const upstream = this.#upstreams.get(subscription);
    if (!this.alive || !upstream) {
      const { producer } = subscription;
      producer.schedule("system", () => producer.#takeBack(subscription, events));
      return;
    }
    upstream.outstanding -= events.length;
    upstream.buffered += events.length;
    this.#pending.push({ subscription, events });
    if (this.#handlingQueued) return;
    this.#handlingQueued = true;
    this.schedule("main", () => {
      this.#handlingQueued = false;
      return this.#handlePending();
    });
  }

  /** Consumer side: handles pending input, in chunks, within downstream demand for producer-consumers. */
  async #handlePending(): Promise<void> {
    let batch: Batch<TIn> | undefined;
    while (
      (this.stageType === "consumer" || this.#downstream > 0) &&
      (batch = this.#pending.shift()) !== undefined
    ) {
      const { subscription } = batch;
      const upstream = this.#upstreams.get(subscription);
      const chunk =
        upstream?.mode === "automatic" ? upstream.maxDemand - upstream.minDemand : Infinity;
      const limit = Math.min(chunk, this.stageType === "consumer" ? Infinity : this.#downstream);
      let events = batch.events;
      if (events.length > limit) {
        this.#pending.unshiftAll([{ subscription, events: events.slice(limit) }]);
        events = events.slice(0, limit);
      }
      if (this.stageType === "producer_consumer") this.#downstream -= events.length;
      let out = this.handleEvents(events, subscription);
      if (out instanceof Promise) out = await out;
      if (out) this.emit(out);
      this.#handled(subscription, events.length);
    }
  }

  /** Consumer side: automatic mode asks again once demand has fallen to minDemand. */
  #handled(subscription: StageSubscription, count: number): void {
    const upstream = this.#upstreams.get(subscription);
    if (!upstream) return;
    upstream.buffered -= count;
    if (upstream.mode !== "automatic") return;
    const inFlight = upstream.outstanding + upstream.buffered;
    if (inFlight <= upstream.minDemand) this.ask(subscription, upstream.maxDemand - inFlight);
  }

  /** Consumer side: the producer exited; the subscription's cancel policy decides. */
  #producerExited(subscription: StageSubscription, reason: ExitReason): void {
    const upstream = this.#upstreams.get(subscription);
    if (!upstream) return;
    this.#upstreams.delete(subscription);
    if (
      upstream.cancel === "permanent" ||
      (upstream.cancel === "transient" && !isNormalExit(reason))
    )
      this.exit(reason);
  }

  /** At exit: unhandled input goes back to its producers, one batch per subscription, in order. */
  #giveBackPending(): void {
    for (const upstream of this.#upstreams.values()) upstream.unwatch();
    const bySubscription = new Map<StageSubscription, TIn[]>();
    for (const { subscription, events } of this.#pending.drain()) {
      const list = bySubscription.get(subscription) ?? [];
      list.push(...events);
      bySubscription.set(subscription, list);
    }
    for (const [subscription, events] of bySubscription) {
      const { producer } = subscription;
      producer.schedule("system", () => producer.#takeBack(subscription, events));
    }
  }

  /** The dispatchers' delivery: into the consumer's pending input. */
  static readonly #deliver = (subscription: Subscription, events: unknown[]): void => {
    const { consumer } = subscription as StageSubscription;
    consumer.#receive(subscription as StageSubscription, events);
  };

  #pendingEvents(): number {
    let total = 0;
    for (const upstream of this.#upstreams.values()) total += upstream.buffered;
    return total;
  }
}

import { setTimeout as delay } from "node:timers/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { AckPolicy, type Consumer, type ConsumerInfo, type JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { RouteConfig } from "../config/gateway-config.js";
import { type Message, MessageSchema, MessageStatus } from "../gen/hermes/v1/message_pb.js";
import type { ChannelAdapter } from "../router/adapter.js";
import { RouteFeeder } from "../router/route-feeder.js";
import type { QueueHooks, WorkQueue, WorkQueueFactory } from "../router/work-queue.js";
import { isTerminal, lostAttempt, overlayState } from "../store/message-state.js";
import type { NatsStore } from "../store/nats/nats-store.js";
import { decodeWork, encodeWork } from "../store/nats/records.js";
import { token } from "./names.js";
import type { NatsCluster } from "./nats-cluster.js";

/** A fetch waits this long for messages before the queue asks again. */
const fetchExpiresMs = 2000;
/** At most this many messages are asked for in one fetch. */
const fetchLimit = 256;
/** A fetch for fewer than this many is put off while another is open, to batch. */
const fetchBatch = 16;

/** A work item this node has taken and not acknowledged. */
interface Held {
  readonly msg: JsMsg;
  readonly body: Uint8Array;
}

/**
 * The routes' JetStream work queues (docs/scale-out.md, "Work sharing"): one
 * durable pull consumer per route on the work stream, shared by every node,
 * with explicit acknowledgement. It makes each route's `WorkQueue` and
 * carries messages that fail over from one route's queue to another's.
 */
export class JetStreamQueues {
  readonly #cluster: NatsCluster;
  readonly #store: NatsStore;
  readonly #log: Logger;
  readonly #consumers = new Map<string, ConsumerInfo>();
  /** Messages drained from a route that is down, on their way to another route's queue. */
  readonly #moving = new Map<string, Held>();
  readonly #queues = new Set<JetStreamQueue>();

  constructor(cluster: NatsCluster, store: NatsStore, log: Logger) {
    this.#cluster = cluster;
    this.#store = store;
    this.#log = log;
  }

  /** Creates (or updates) each route's consumer: before the routes start. */
  async prepare(routes: readonly RouteConfig[]): Promise<void> {
    const { jsm, names, config } = this.#cluster;
    for (const route of routes) {
      const info = await jsm.consumers.add(names.workStream, {
        durable_name: token(route.name),
        filter_subject: `${names.workSubject}.${token(route.name)}`,
        ack_policy: AckPolicy.Explicit,
        ack_wait: config.ackWaitMs * 1_000_000,
        max_ack_pending: config.maxAckPending,
        max_deliver: -1,
      });
      this.#consumers.set(route.name, info);
    }
  }

  readonly create: WorkQueueFactory = (route, adapter, hooks) => {
    const info = this.#consumers.get(route.name);
    if (!info) throw new Error(`route ${route.name} has no work queue consumer (prepare first)`);
    const queue = new JetStreamQueue(this, route, adapter, hooks, {
      consumer: this.#cluster.js.consumers.getConsumerFromInfo(info),
      store: this.#store,
      log: this.#log.child({ route: route.name, component: "work-queue" }),
      ackWaitMs: this.#cluster.config.ackWaitMs,
    });
    this.#queues.add(queue);
    return queue;
  };

  /** Whether a message is on its way from a drained route (else it is in its stream already). */
  isMoving(id: string): boolean {
    return this.#moving.has(id);
  }

  /** Puts a drained message on `route`'s work subject, then lets the old item go. */
  async move(id: string, route: string): Promise<void> {
    const held = this.#moving.get(id);
    if (!held) return;
    this.#moving.delete(id);
    // The reroute is recorded first: a node taking the new item must see the new route.
    await this.#store.settled(id);
    const { js, names } = this.#cluster;
    await js.publish(`${names.workSubject}.${token(route)}`, encodeWork(id, held.body), {
      msgID: `${id}.${route}`,
    });
    held.msg.ack();
  }

  /** Notes that a drained message is on its way to another route. */
  moving(id: string, held: Held): void {
    this.#moving.set(id, held);
  }

  stop(): void {
    for (const queue of this.#queues) queue.stop();
    // What did not reach its new queue goes back to its old one, for any node.
    for (const held of this.#moving.values()) held.msg.nak();
    this.#moving.clear();
  }
}

interface QueueParts {
  readonly consumer: Consumer;
  readonly store: NatsStore;
  readonly log: Logger;
  readonly ackWaitMs: number;
}

/**
 * One route's share of its JetStream work queue on this node. It fetches
 * only what the adapter's demand leaves room for, checks each taken message
 * against its state in KV (what finished or moved on elsewhere is let go; a
 * send a dead node left half done is recovered, flagged as a possible
 * duplicate), and hands it to an in-memory RouteFeeder, which runs the
 * attempt exactly as on a single node. The item is acknowledged once the
 * outcome is recorded, or given back with a delay (`nak`) for a retry, so a
 * message taken by a node that dies is redelivered to another after the
 * consumer's ack wait; while a send lasts, the node says it is still working.
 */
class JetStreamQueue implements WorkQueue {
  readonly shared = true;
  readonly #queues: JetStreamQueues;
  readonly #route: RouteConfig;
  readonly #adapter: ChannelAdapter;
  readonly #hooks: QueueHooks;
  readonly #parts: QueueParts;
  readonly #local: RouteFeeder;
  readonly #held = new Map<string, Held>();
  /** Messages asked for in open fetches and not delivered yet. */
  #pulling = 0;
  /** Taken, their state being read. */
  #preparing = 0;
  /** Given to the local feeder and not yet past their intent. */
  #handed = 0;
  /** Waiting in the stream for any node (the consumer's count, refreshed each second). */
  #pending = 0;
  #stopped = false;
  #draining = false;
  readonly #timer: NodeJS.Timeout;

  constructor(
    queues: JetStreamQueues,
    route: RouteConfig,
    adapter: ChannelAdapter,
    hooks: QueueHooks,
    parts: QueueParts,
  ) {
    this.#queues = queues;
    this.#route = route;
    this.#adapter = adapter;
    this.#hooks = hooks;
    this.#parts = parts;
    this.#local = new RouteFeeder(adapter, {
      beforeSend: async (message, attempt) => {
        try {
          const go = await hooks.beforeSend(message, attempt);
          // Cancelled while it waited here: nothing is left to send from the item.
          if (go === false) this.#release(message.id, (msg) => msg.ack());
          return go;
        } finally {
          this.#handed--;
        }
      },
      onOutcome: async (message, attempt, outcome) => {
        try {
          await hooks.onOutcome(message, attempt, outcome);
        } catch (reason) {
          // Not recorded: another delivery reads the state and carries on from it.
          this.#release(message.id, (msg) => msg.nak(1000));
          throw reason;
        }
        this.#release(message.id, (msg) => msg.ack());
      },
      onHookError: hooks.onHookError,
    });
    const tick = Math.max(250, Math.min(1000, Math.floor(parts.ackWaitMs / 3)));
    this.#timer = setInterval(() => this.#tick(), tick);
    this.#timer.unref();
  }

  get queued(): number {
    return this.#pending + this.#local.queued;
  }

  get inFlight(): number {
    return this.#local.inFlight;
  }

  enqueue(message: Message): void {
    // An accepted message is in the stream already; a rerouted one is moved there.
    if (this.#queues.isMoving(message.id)) {
      this.#queues
        .move(message.id, this.#route.name)
        .catch((reason) =>
          this.#parts.log.error(
            { err: reason, messageId: message.id },
            "moving to this route failed",
          ),
        );
      return;
    }
    this.pump();
  }

  enqueueAfter(message: Message, delayMs: number): void {
    // The router has recorded the retry: the item comes back to any node after the delay.
    this.#release(message.id, (msg) => msg.nak(delayMs));
  }

  forget(id: string): void {
    if (this.#held.has(id)) this.#local.forget(id);
  }

  drain(): Message[] {
    const drained = this.#local.drain();
    for (const message of drained) {
      const held = this.#held.get(message.id);
      this.#held.delete(message.id);
      this.#handed--;
      if (held) this.#queues.moving(message.id, held);
    }
    // Take what waits in the stream too: the next sweep hands it to another route.
    if (!this.#draining && this.#pending > 0) {
      this.#draining = true;
      void this.#fetch(Math.min(this.#pending, fetchLimit)).finally(() => {
        this.#draining = false;
      });
    }
    return drained;
  }

  pump(): void {
    this.#local.pump();
    if (this.#stopped) return;
    const free = this.#adapter.demand() - this.#handed - this.#preparing - this.#pulling;
    if (free >= fetchBatch || (free > 0 && this.#pulling === 0))
      void this.#fetch(Math.min(free, fetchLimit));
  }

  async #fetch(count: number): Promise<void> {
    this.#pulling += count;
    let left = count;
    try {
      const batch = await this.#parts.consumer.fetch({
        max_messages: count,
        expires: fetchExpiresMs,
      });
      for await (const msg of batch) {
        left--;
        this.#pulling--;
        void this.#take(msg);
      }
    } catch (reason) {
      if (!this.#stopped) this.#parts.log.warn({ err: reason }, "fetching work failed");
      await delay(500);
    } finally {
      this.#pulling -= left;
    }
    this.pump();
  }

  /** Checks a taken item against the message's state, then hands it to the feeder or lets it go. */
  async #take(msg: JsMsg): Promise<void> {
    this.#preparing++;
    try {
      const { id, body } = decodeWork(msg.data);
      const state = (await this.#parts.store.revised(id))?.state;
      // Finished, waiting for a report, or moved to another route: nothing left to send from here.
      if (
        !state ||
        isTerminal(state.status) ||
        state.status === MessageStatus.SUBMITTED ||
        state.route !== this.#route.name
      ) {
        msg.ack();
        return;
      }
      const wait = state.nextAttemptAt - Date.now();
      if (wait > 0) {
        msg.nak(wait);
        return;
      }
      const message = overlayState(fromBinary(MessageSchema, body), state);
      this.#held.set(id, { msg, body });
      if (lostAttempt(state)) await this.#hooks.recoverLostAttempt(message, state);
      this.#handed++;
      this.#local.enqueue(message);
    } catch (reason) {
      this.#parts.log.warn({ err: reason }, "taking work failed; it is given back");
      msg.nak(1000);
    } finally {
      this.#preparing--;
    }
  }

  /** Lets a held item go: acknowledged, or given back. */
  #release(id: string, how: (msg: JsMsg) => void): void {
    const held = this.#held.get(id);
    if (!held) return;
    this.#held.delete(id);
    how(held.msg);
  }

  #tick(): void {
    // Sends can outlast the ack wait (response timeouts, long retries inside a driver).
    for (const held of this.#held.values()) held.msg.working();
    this.#parts.consumer.info().then(
      (info) => {
        this.#pending = info.num_pending;
      },
      () => undefined,
    );
    this.pump();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    // Messages not yet sent go back to the stream at once, for the nodes that stay; those
    // with the adapter are acknowledged when their outcome is recorded, as ever.
    for (const message of this.#local.drain()) this.#release(message.id, (msg) => msg.nak());
    this.#local.stop();
  }
}

import type { RouteConfig } from "../config/gateway-config.js";
import type { Message } from "../gen/hermes/v1/message_pb.js";
import type { MessageState } from "../store/message-state.js";
import type { ChannelAdapter } from "./adapter.js";
import type { FeederHooks } from "./route-feeder.js";

/**
 * Where a route's messages wait for its adapter. On one node it is the
 * in-memory `RouteFeeder`, fed by the router and by `resume()`; on a cluster
 * it is the route's JetStream work queue, which every node pulls from by its
 * adapter's demand (cluster/jetstream-queue.ts). The router only ever talks
 * to this interface.
 */
export interface WorkQueue {
  /** Messages waiting, ready or delayed. */
  readonly queued: number;
  /** Attempts under way here: recording their intent, or with the adapter. */
  readonly inFlight: number;
  /**
   * True when other nodes send from this queue too: a report may then belong
   * to a send under way elsewhere whose provider id is not stored yet.
   */
  readonly shared?: boolean;
  /** Takes an accepted (or rerouted) message. */
  enqueue(message: Message): void;
  /** Takes a message back after a failed attempt, to try again after `delayMs`. */
  enqueueAfter(message: Message, delayMs: number): void;
  /** Drops a message that is no longer to be sent (it expired while waiting). */
  forget(id: string): void;
  /** Takes out what waits here, for failover to another route. */
  drain(): Message[];
  /** Starts as many attempts as the adapter has demand for. */
  pump(): void;
  stop(): void;
}

/**
 * What a queue asks of the router: the feeder's hooks, and the recovery of a send a dead node left.
 */
export interface QueueHooks extends FeederHooks {
  /**
   * A message whose last attempt was under way when its sender stopped (its
   * intent recorded, its outcome not): that attempt counts, and the next
   * send is flagged as a possible duplicate.
   */
  recoverLostAttempt(message: Message, state: MessageState): Promise<void>;
}

/** Makes a route's queue; the gateway picks one by store kind (the in-memory feeder by default). */
export type WorkQueueFactory = (
  route: RouteConfig,
  adapter: ChannelAdapter,
  hooks: QueueHooks,
) => WorkQueue;

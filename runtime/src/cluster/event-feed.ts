import { DeliverPolicy } from "@nats-io/jetstream";
import type { EventBus } from "../events/event-bus.js";
import { decodeEvent } from "../store/nats/records.js";
import type { NatsCluster } from "./nats-cluster.js";

/**
 * Every node's events, live, onto this node's bus, so that WatchEvents on any
 * node sees the whole cluster. An ordered consumer on the event stream starts
 * after the last event stored now, and resumes where it was after a
 * reconnect, so no event is skipped or repeated. Returns what stops it.
 */
export async function followEvents(cluster: NatsCluster, bus: EventBus): Promise<() => void> {
  const { names, jsm, js } = cluster;
  const last = (await jsm.streams.info(names.eventsStream)).state.last_seq;
  const consumer = await js.consumers.get(names.eventsStream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: last + 1,
  });
  const messages = await consumer.consume({
    callback: (msg) => bus.publish(decodeEvent(msg.data, msg.seq)),
  });
  return () => messages.stop();
}

import { createHash, randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { DeliverPolicy } from "@nats-io/jetstream";
import { type NatsCluster, unavailable } from "../../cluster/nats-cluster.js";
import { token } from "../../cluster/names.js";
import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import { type Message, MessageSchema, MessageStatus } from "../../gen/hermes/v1/message_pb.js";
import { canonicalAddress, recipientOf } from "../../router/receipt-matching.js";
import type { EventInit, EventRecord, EventRecordInit } from "../event-record.js";
import type {
  AcceptResult,
  Correlation,
  CorrelationCandidate,
  EventFilter,
  MessageQuery,
  MessageStore,
  NewMessage,
  Transition,
  TransitionOutcome,
  UnfinishedMessage,
} from "../message-store.js";
import {
  acceptedEvent,
  applyTransition,
  initialState,
  isTerminal,
  type MessageState,
  matchesFilter,
  overlayState,
  unattachedEvent,
} from "../message-state.js";
import { isConflict } from "./conflicts.js";
import { NatsSuppressions } from "./nats-suppressions.js";
import { decodeEvent, decodeState, encodeEvent, encodeState, encodeWork } from "./records.js";
import { UnfinishedIndex } from "./unfinished-index.js";

/** A state as this node last read or wrote it, with the KV revision that update() must name. */
export interface Revised {
  readonly state: MessageState;
  readonly revision: number;
}

/** A provider id's message as the correlation bucket keeps it. */
interface StoredCandidate {
  /** message id */
  readonly m: string;
  /** address */
  readonly a: string;
  /** correlated at */
  readonly at: number;
  /** expires at */
  readonly x: number;
}

const encoder = new TextEncoder();
const empty = new Uint8Array(0);
const decoder = new TextDecoder();
/** Messages whose states a node keeps, at most: those it is sending, and recently sent. */
const cacheLimit = 100_000;
/** Conflicting writers on one message are retried this often before giving up. */
const maxConflicts = 50;
const replayPage = 500;

/**
 * The JetStream backend (docs/scale-out.md, "What is stored where"). A
 * message's state is one KV entry, written with the revision it was read at,
 * so two nodes changing one message never lose a change: the loser reads
 * again and re-applies its change with `applyTransition`. Bodies go to a
 * stream once, events to the event stream (whose sequence is the cursor),
 * idempotency keys to a KV bucket with `create`, and correlations to a KV
 * bucket whose entries age out. Accepting also queues the message on its
 * route's work subject, in the same call, so an accepted message is always
 * queued. A node caches the states it writes (the messages it is sending);
 * the truth stays in KV.
 */
export class NatsStore implements MessageStore {
  readonly #cluster: NatsCluster;
  readonly #closesCluster: boolean;
  readonly #cache = new Map<string, Revised>();
  /** Per message, the tail of its transitions on this node: one node applies them in call order. */
  readonly #chains = new Map<string, Promise<unknown>>();
  /** Correlations being written, by message: its state naming the provider id waits for them. */
  readonly #correlating = new Map<string, Promise<unknown>>();
  readonly #unfinished: UnfinishedIndex;
  /** The tenants' suppression lists, in their own bucket and stream. */
  readonly suppressions: NatsSuppressions;

  readonly #sweeps: () => boolean;

  /**
   * `sweeps` says whether this node expires messages now: on a cluster one
   * node does (the holder of the housekeeping lease), so that only one
   * follows every state change. Default: always.
   */
  constructor(
    cluster: NatsCluster,
    options: { closesCluster?: boolean; sweeps?: () => boolean } = {},
  ) {
    this.#cluster = cluster;
    this.#closesCluster = options.closesCluster ?? false;
    this.#sweeps = options.sweeps ?? (() => true);
    this.#unfinished = new UnfinishedIndex(cluster);
    this.suppressions = new NatsSuppressions(cluster);
  }

  async accept(news: readonly NewMessage[]): Promise<AcceptResult[]> {
    this.#cluster.ensureConnected();
    const results: Promise<AcceptResult>[] = [];
    const firstOfKey = new Map<string, number>();
    for (const item of news) {
      const { tenant, idempotencyKey } = item.message;
      const first = idempotencyKey ? firstOfKey.get(`${tenant}\u0000${idempotencyKey}`) : undefined;
      if (first !== undefined) {
        results.push(results[first]!.then((r) => ({ message: r.message, duplicate: true })));
        continue;
      }
      if (idempotencyKey) firstOfKey.set(`${tenant}\u0000${idempotencyKey}`, results.length);
      results.push(this.#acceptOne(item));
    }
    try {
      return await Promise.all(results);
    } catch (reason) {
      throw reason instanceof HermesError ? reason : unavailable(reason, "nothing was stored");
    }
  }

  async #acceptOne({ message, body, detail }: NewMessage): Promise<AcceptResult> {
    const c = this.#cluster;
    if (message.idempotencyKey) {
      const key = idempotencyKeyOf(message.tenant, message.idempotencyKey);
      try {
        await c.idempotency.create(key, encoder.encode(message.id));
      } catch (reason) {
        if (!isConflict(reason)) throw reason;
        return this.#duplicate(key);
      }
    }
    const state = initialState(message, Date.now());
    const [, event] = await Promise.all([
      c.states.create(state.id, encodeState(state)),
      this.#publishEvent(acceptedEvent(state, detail)),
      c.js.publish(`${c.names.messageSubject}.${state.id}`, body),
      c.recipients.put(recipientKey(state.tenant, recipientOf(message), state.id), empty),
    ]);
    // Queued last: a node that takes it finds its state.
    if (state.status === MessageStatus.ACCEPTED)
      await c.js.publish(
        `${c.names.workSubject}.${token(state.route)}`,
        encodeWork(state.id, body),
        {
          msgID: state.id,
        },
      );
    return { message, duplicate: false, event };
  }

  /** The message a key was first given to; its first Send may still be storing it. */
  async #duplicate(key: string): Promise<AcceptResult> {
    const deadline = Date.now() + this.#cluster.config.timeoutMs;
    for (;;) {
      const entry = await this.#cluster.idempotency.get(key);
      const message = entry && (await this.get(decoder.decode(entry.value)));
      if (message) return { message, duplicate: true };
      if (Date.now() > deadline)
        throw new HermesError(
          ErrorCode.STORE_UNAVAILABLE,
          "an earlier Send with this idempotency key has not finished storing its message; try again",
        );
      await delay(20);
    }
  }

  transition(id: string, change: Transition): Promise<TransitionOutcome | undefined> {
    const previous = this.#chains.get(id);
    const run = previous
      ? previous.then(
          () => this.#transition(id, change),
          () => this.#transition(id, change),
        )
      : this.#transition(id, change);
    const tail = run.catch(() => undefined);
    this.#chains.set(id, tail);
    void tail.then(() => {
      if (this.#chains.get(id) === tail) this.#chains.delete(id);
    });
    return run;
  }

  async #transition(id: string, change: Transition): Promise<TransitionOutcome | undefined> {
    const states = this.#cluster.states;
    try {
      this.#cluster.ensureConnected();
      if (change.providerMessageId) {
        // A send's outcome names provider ids, and the router asks for their correlation right
        // after this call: the state goes after it, so that no node can see the message
        // waiting for a report that no correlation leads to (the writer may die in between).
        await undefined;
        await this.#correlating.get(id);
      }
      let current = this.#cache.get(id) ?? (await this.revised(id));
      for (let conflicts = 0; current; conflicts++) {
        const applied = applyTransition(current.state, change, Date.now());
        let revision = current.revision;
        if (applied.state !== current.state) {
          try {
            revision = await states.update(id, encodeState(applied.state), current.revision);
          } catch (reason) {
            if (!isConflict(reason) || conflicts >= maxConflicts) throw reason;
            // Another node changed the message: apply the change to what it wrote.
            current = await this.revised(id);
            continue;
          }
        }
        this.#remember({ state: applied.state, revision });
        const event = applied.event && (await this.#publishEvent(applied.event));
        return { state: applied.state, event, previous: current.state.status };
      }
      return undefined;
    } catch (reason) {
      this.#cache.delete(id);
      throw reason instanceof HermesError
        ? reason
        : unavailable(reason, "the change was not recorded");
    }
  }

  /** Resolves once this node's transitions of a message so far are stored (or failed). */
  async settled(id: string): Promise<void> {
    await this.#chains.get(id);
  }

  /** A message's state as KV has it now, with its revision (and this node caches it). */
  async revised(id: string): Promise<Revised | undefined> {
    const entry = await this.#cluster.states.get(id);
    if (entry?.operation !== "PUT") return undefined;
    const revised = { state: decodeState(entry.value), revision: entry.revision };
    this.#remember(revised);
    return revised;
  }

  #remember(revised: Revised): void {
    const id = revised.state.id;
    this.#cache.delete(id);
    if (isTerminal(revised.state.status)) return;
    this.#cache.set(id, revised);
    if (this.#cache.size > cacheLimit) this.#cache.delete(this.#cache.keys().next().value!);
  }

  /** Appends an event; retried across a reconnect under one message id, so it is stored once. */
  async #publishEvent(event: EventRecordInit): Promise<EventRecord> {
    const c = this.#cluster;
    const subject = `${c.names.eventSubject}.${token(event.tenant)}.${token(event.messageId)}`;
    const data = encodeEvent(event);
    const msgID = randomUUID();
    const deadline = Date.now() + 2 * c.config.timeoutMs;
    for (;;) {
      try {
        const ack = await c.js.publish(subject, data, { msgID });
        return { ...event, sequence: ack.seq };
      } catch (reason) {
        if (Date.now() > deadline || c.nc.isClosed()) throw reason;
        await delay(100);
      }
    }
  }

  async record(init: EventInit): Promise<EventRecord> {
    try {
      return await this.#publishEvent(unattachedEvent(init, Date.now()));
    } catch (reason) {
      throw unavailable(reason, "the event was not recorded");
    }
  }

  async get(id: string, tenant?: string): Promise<Message | undefined> {
    const stored = await this.#reading(() => this.#stored(id));
    if (!stored || (tenant !== undefined && stored.state.tenant !== tenant)) return undefined;
    return stored.message;
  }

  /** A message's body with its state on top, and the state. */
  async #stored(id: string): Promise<UnfinishedMessage | undefined> {
    const c = this.#cluster;
    const [entry, body] = await Promise.all([
      c.states.get(id),
      c.jsm.direct.getMessage(c.names.messagesStream, {
        last_by_subj: `${c.names.messageSubject}.${token(id)}`,
      }),
    ]);
    if (entry?.operation !== "PUT" || !body) return undefined;
    const state = decodeState(entry.value);
    return { message: overlayState(fromBinary(MessageSchema, body.data), state), state };
  }

  history(id: string): Promise<EventRecord[]> {
    const subject = `${this.#cluster.names.eventSubject}.*.${token(id)}`;
    return this.#reading(() => this.#readEvents(subject, 0, Number.MAX_SAFE_INTEGER));
  }

  eventsAfter(sequence: number, filter: EventFilter, limit: number): Promise<EventRecord[]> {
    const only = filter.messageIds?.length === 1 ? token(filter.messageIds[0]!) : ">";
    const subject = `${this.#cluster.names.eventSubject}.${token(filter.tenant)}.${only}`;
    return this.#reading(() =>
      this.#readEvents(subject, sequence, limit, (event) => matchesFilter(event, filter)),
    );
  }

  /** Events on `subject` after `sequence`, oldest first, through a short-lived ordered consumer. */
  async #readEvents(
    subject: string,
    sequence: number,
    limit: number,
    keep: (event: EventRecord) => boolean = () => true,
  ): Promise<EventRecord[]> {
    const c = this.#cluster;
    const consumer = await c.js.consumers.get(c.names.eventsStream, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: sequence + 1,
    });
    const found: EventRecord[] = [];
    try {
      let pending = (await consumer.info(true)).num_pending;
      while (pending > 0 && found.length < limit) {
        const batch = await consumer.fetch({ max_messages: Math.min(pending, replayPage) });
        let got = 0;
        for await (const m of batch) {
          got++;
          const event = decodeEvent(m.data, m.seq);
          if (keep(event)) found.push(event);
          pending = m.info.pending;
          if (pending === 0 || found.length >= limit) break;
        }
        if (got === 0) break;
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
    return found;
  }

  correlate(route: string, entries: readonly Correlation[], expiresAt: number): Promise<void> {
    const writing = this.#correlate(route, entries, expiresAt);
    const settled = writing.catch(() => undefined);
    for (const { messageId } of entries) this.#correlating.set(messageId, settled);
    void settled.then(() => {
      for (const { messageId } of entries)
        if (this.#correlating.get(messageId) === settled) this.#correlating.delete(messageId);
    });
    return writing;
  }

  async #correlate(
    route: string,
    entries: readonly Correlation[],
    expiresAt: number,
  ): Promise<void> {
    const at = Date.now();
    try {
      await Promise.all(
        entries.map((entry) =>
          this.#updateCorrelation(route, entry.providerId, (stored) => [
            { m: entry.messageId, a: entry.address, at, x: expiresAt },
            ...stored.filter((c) => c.x > at),
          ]),
        ),
      );
    } catch (reason) {
      throw unavailable(reason, "the provider ids were not remembered");
    }
  }

  #updateCorrelation(
    route: string,
    providerId: string,
    change: (stored: StoredCandidate[]) => StoredCandidate[],
  ): Promise<number> {
    return this.#updateKey(`${token(route)}.${token(providerId)}`, change);
  }

  /**
   * Rewrites one provider id's candidates with `change`, retrying when another
   * node wrote first; resolves with how many candidates it dropped.
   */
  async #updateKey(
    key: string,
    change: (stored: StoredCandidate[]) => StoredCandidate[],
  ): Promise<number> {
    const kv = this.#cluster.correlations;
    for (let conflicts = 0; ; conflicts++) {
      const entry = await kv.get(key);
      const exists = entry?.operation === "PUT";
      const stored = exists ? (JSON.parse(decoder.decode(entry.value)) as StoredCandidate[]) : [];
      const next = change(stored);
      try {
        if (next.length === 0) {
          if (exists) await kv.purge(key, { previousSeq: entry.revision });
        } else if (exists) await kv.update(key, JSON.stringify(next), entry.revision);
        else await kv.create(key, JSON.stringify(next));
        return stored.length - next.length;
      } catch (reason) {
        if (!isConflict(reason) || conflicts >= maxConflicts) throw reason;
      }
    }
  }

  async correlations(
    route: string,
    providerId: string,
    now: number,
  ): Promise<CorrelationCandidate[]> {
    return this.#reading(async () => {
      const entry = await this.#cluster.correlations.get(`${token(route)}.${token(providerId)}`);
      if (entry?.operation !== "PUT") return [];
      const live = (JSON.parse(decoder.decode(entry.value)) as StoredCandidate[]).filter(
        (c) => c.x > now,
      );
      const states = await Promise.all(live.map((c) => this.#cluster.states.get(c.m)));
      return live.map((c, i) => {
        const state = states[i];
        return {
          messageId: c.m,
          address: c.a,
          correlatedAt: c.at,
          waiting: state?.operation === "PUT" && !isTerminal(decodeState(state.value).status),
        };
      });
    });
  }

  async purgeCorrelations(now: number): Promise<number> {
    return this.#reading(async () => {
      const kv = this.#cluster.correlations;
      let purged = 0;
      for await (const key of await kv.keys()) {
        purged += await this.#updateKey(key, (stored) => stored.filter((c) => c.x > now));
      }
      return purged;
    });
  }

  find(query: MessageQuery, limit: number): Promise<Message[]> {
    return this.#reading(async () => {
      const ids =
        "recipient" in query
          ? await this.#idsByRecipient(query.tenant, canonicalAddress(query.recipient))
          : await this.#idsByProviderId(query.providerMessageId);
      const found: Message[] = [];
      for (const id of ids) {
        const stored = await this.#stored(id);
        if (stored?.state.tenant === query.tenant) found.push(stored.message);
        if (found.length >= limit) break;
      }
      return found;
    });
  }

  /**
   * Every message id sent to a recipient, newest first (ids sort by time):
   * the keys under the tenant's and recipient's prefix, which the server
   * lists from its subject index, however many messages the bucket holds.
   */
  async #idsByRecipient(tenant: string, recipient: string): Promise<string[]> {
    const prefix = recipientKey(tenant, recipient, "");
    const ids: string[] = [];
    for await (const key of await this.#cluster.recipients.keys(`${prefix}*`))
      ids.push(key.slice(prefix.length));
    return ids.sort().reverse();
  }

  /** The messages a provider id was given to on any route, newest correlation first. */
  async #idsByProviderId(providerId: string): Promise<string[]> {
    const kv = this.#cluster.correlations;
    const candidates: StoredCandidate[] = [];
    for await (const key of await kv.keys(`*.${token(providerId)}`)) {
      const entry = await kv.get(key);
      if (entry?.operation === "PUT")
        candidates.push(...(JSON.parse(decoder.decode(entry.value)) as StoredCandidate[]));
    }
    candidates.sort((a, b) => b.at - a.at);
    return [...new Set(candidates.map((c) => c.m))];
  }

  async unfinished(): Promise<UnfinishedMessage[]> {
    return this.#reading(async () => {
      const ids = [...(await this.#unfinished.current()).keys()];
      const stored = await Promise.all(ids.map((id) => this.#stored(id)));
      return stored.filter((s): s is UnfinishedMessage => !!s && !isTerminal(s.state.status));
    });
  }

  async expiredBefore(now: number, limit: number): Promise<string[]> {
    if (!this.#sweeps()) {
      this.#unfinished.stop();
      return [];
    }
    const expiry = await this.#reading(() => this.#unfinished.current());
    const expired: Array<[string, number]> = [];
    for (const [id, expiresAt] of expiry) if (expiresAt < now) expired.push([id, expiresAt]);
    return expired
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => id);
  }

  /** A read: NATS errors become STORE_UNAVAILABLE. */
  async #reading<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (reason) {
      throw reason instanceof HermesError ? reason : unavailable(reason, "try again");
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#chains.values());
    this.#unfinished.stop();
    if (this.#closesCluster) await this.#cluster.close();
  }
}

/**
 * A message's entry in the recipients bucket: the tenant, a hash of the
 * recipient (any address fits a key token in 32 hex digits) and the id.
 */
function recipientKey(tenant: string, recipient: string, id: string): string {
  const hash = createHash("sha256").update(recipient).digest("hex").slice(0, 32);
  return `${token(tenant)}.${hash}.${id}`;
}

/** The key of a tenant's idempotency key: fixed length, whatever the caller's key holds. */
function idempotencyKeyOf(tenant: string, key: string): string {
  return createHash("sha256").update(tenant).update("\u0000").update(key).digest("hex");
}

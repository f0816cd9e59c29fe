import type { Channel, Message } from "../gen/hermes/v1/message_pb.js";
import type { EventInit, EventRecord } from "./event-record.js";
import type { MessageState } from "./message-state.js";
import type { CascadeStore } from "./cascade-store.js";
import type { SuppressionStore } from "./suppression-store.js";

/**
 * The gateway's durable state behind one interface. SQLite is the embedded
 * default; a network engine (NATS JetStream) implements the same contract,
 * and `messageStoreContract` checks every rule against each. Every method is
 * async, and every write resolves only once it is durable. The rules of a
 * transition (terminal is final, late reports become history, event
 * defaults) are not a backend's business: each backend calls the pure
 * functions of message-state.ts and persists what they return.
 */
export interface MessageStore {
  /**
   * Stores new messages (status ACCEPTED; REJECTED when they carry an error;
   * QUEUED until their `nextAttemptAt` when sent for later) with their first
   * event. A message whose (tenant, idempotency key)
   * was seen before is not stored again: the earlier one is returned.
   */
  accept(messages: readonly NewMessage[]): Promise<AcceptResult[]>;
  /**
   * Applies a change to a message with `applyTransition` and stores the new
   * state with the event it produced, in one write. Resolves with the
   * outcome, or undefined when the message does not exist.
   */
  transition(id: string, change: Transition): Promise<TransitionOutcome | undefined>;
  /**
   * Records an event that belongs to no stored message (an inbound SMS, a
   * report no message could be matched to). Resolves with the stored event.
   */
  record(event: EventInit): Promise<EventRecord>;
  /** A message with its current state; with a tenant, only that tenant's. */
  get(id: string, tenant?: string): Promise<Message | undefined>;
  /** A message's events, oldest first. */
  history(id: string): Promise<EventRecord[]>;
  /** Events after a sequence, oldest first, for WatchEvents replay. */
  eventsAfter(sequence: number, filter: EventFilter, limit: number): Promise<EventRecord[]>;
  /**
   * Remembers which message provider ids on a route belong to, until
   * `expiresAt`. An id may be remembered for several messages (carriers reuse
   * ids); `correlations` returns them newest first.
   */
  correlate(route: string, entries: readonly Correlation[], expiresAt: number): Promise<void>;
  /** The unexpired messages a provider id was given to on a route, newest first. */
  correlations(route: string, providerId: string, now: number): Promise<CorrelationCandidate[]>;
  /** Drops correlations that expired before `now`; resolves with how many. */
  purgeCorrelations(now: number): Promise<number>;
  /**
   * A tenant's messages sent to a recipient (compared as `recipientOf` gives
   * it: a phone number by its digits) or given a provider id while its
   * correlation is kept, newest first, at most `limit`, with their current
   * state. How each backend indexes them: docs/console.md.
   */
  find(query: MessageQuery, limit: number): Promise<Message[]>;
  /** Every message that is not terminal, with its state, for resuming after a restart. */
  unfinished(): Promise<UnfinishedMessage[]>;
  /** Ids of unfinished messages whose validity ended before `now`, at most `limit`. */
  expiredBefore(now: number, limit: number): Promise<string[]>;
  /** Flushes what is pending and releases the backend. */
  close(): Promise<void>;
  /** The tenants' suppression lists; a backend without them runs a gateway without suppression. */
  readonly suppressions?: SuppressionStore;
  /** Cascades; a backend without them refuses Sends that carry one. */
  readonly cascades?: CascadeStore;
}

/**
 * A message to accept, with its body already encoded (the router encodes once, to check its size).
 */
export interface NewMessage {
  /** The message as the router prepared it: id, tenant, route, status and times set. */
  readonly message: Message;
  /**
   * `hermes.v1.Message` in binary as the caller sent it. The fields the
   * gateway owns (id, tenant, route, status, attempts, provider id, error and
   * the times) are kept as state beside it and win when it is read back.
   */
  readonly body: Uint8Array;
  /** The first event's detail: why a message waits, or why it was refused. */
  readonly detail?: Readonly<Record<string, string>>;
}

export interface AcceptResult {
  readonly message: Message;
  readonly duplicate: boolean;
  /** The message's first event; absent for a duplicate. */
  readonly event?: EventRecord;
}

export interface EventFilter {
  readonly tenant: string;
  readonly messageIds?: readonly string[];
  readonly channels?: readonly Channel[];
}

/** What `find` looks for: a tenant's messages by recipient, or by provider id. */
export type MessageQuery =
  | { readonly tenant: string; readonly recipient: string }
  | { readonly tenant: string; readonly providerMessageId: string };

/** A change to record on a message: an event, a new attempt, or both. */
export interface Transition {
  /** The event to append; absent for a change that is not an event (an attempt's intent). */
  readonly event?: EventInit;
  /** Attempts whose outcome is known, the one this change reports included. */
  readonly attempts?: number;
  /**
   * The attempt about to leave: recorded before its bytes do, so that after a
   * crash a message whose last attempt has no outcome is known to be at risk
   * of a duplicate.
   */
  readonly started?: number;
  readonly route?: string;
  readonly providerMessageId?: string;
  /** When a QUEUED message may next be attempted (ms since the epoch). */
  readonly nextAttemptAt?: number;
  /**
   * Applied only when this holds of the state as the store has it at that
   * moment (for a cancel: the message has not left); otherwise nothing
   * changes and no event is recorded. Backends evaluate it wherever they
   * apply the change, again after a conflicting write.
   */
  readonly when?: (state: MessageState) => boolean;
}

/** What a transition came to: the message's state after it, and the event stored. */
export interface TransitionOutcome {
  readonly state: MessageState;
  readonly event?: EventRecord;
  /** The status before the change. */
  readonly previous: MessageState["status"];
}

/** A provider id handed out for a message: the address the message went to travels with it. */
export interface Correlation {
  readonly providerId: string;
  readonly messageId: string;
  /** The recipient, as the provider will report it (digits of a phone number, an email...). */
  readonly address: string;
}

/** A message a provider id was given to, as the store remembers it. */
export interface CorrelationCandidate {
  readonly messageId: string;
  readonly address: string;
  /** When the id was given (ms since the epoch): the newest submission wins. */
  readonly correlatedAt: number;
  /** True while the message waits for a final report. */
  readonly waiting: boolean;
}

/** A message that was not finished when the store was last closed. */
export interface UnfinishedMessage {
  /** The message as accepted, with its current status, attempts, route and error. */
  readonly message: Message;
  readonly state: MessageState;
}

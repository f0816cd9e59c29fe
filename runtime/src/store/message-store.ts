import type { DeliveryEvent, Message, MessageStatus } from "../gen/hermes/v1/message_pb.js";
import type { ErrorDetail } from "../errors/hermes-error.js";
import type { Channel } from "../gen/hermes/v1/message_pb.js";

/**
 * The gateway's durable state behind one interface: SQLite is the embedded
 * default; a NATS JetStream engine can implement the same contract to scale
 * out. Every method that writes resolves only once the write is durable.
 */
export interface MessageStore {
  /**
   * Stores new messages (status ACCEPTED, or REJECTED when they carry an
   * error) with their first event. A message whose (tenant, idempotency key)
   * was seen before is not stored again: the earlier one is returned.
   */
  accept(messages: readonly Message[]): Promise<AcceptResult[]>;
  /** A message by id; with a tenant, only that tenant's. */
  get(id: string, tenant?: string): Message | undefined;
  /** A message's events, oldest first. */
  history(id: string): DeliveryEvent[];
  /** Events after a sequence, oldest first, for WatchEvents replay. */
  eventsAfter(sequence: bigint, filter: EventFilter, limit: number): DeliveryEvent[];
  /**
   * Moves a message and appends its event in one write. A message already in
   * a terminal status keeps it: the event is recorded, the status is not
   * changed (a late or duplicate receipt). Resolves with the stored event, or
   * undefined when the message does not exist.
   */
  transition(id: string, change: Transition): Promise<DeliveryEvent | undefined>;
  /**
   * Records an event that belongs to no stored message (an inbound SMS, a
   * report nobody could correlate). Resolves with the stored event.
   */
  record(event: DeliveryEvent): Promise<DeliveryEvent>;
  /** Remembers which message a provider id belongs to, per route, until expiry. */
  correlate(
    route: string,
    providerIds: readonly string[],
    messageId: string,
    ttlMs: number,
  ): Promise<void>;
  /** The message a provider id belongs to on a route, if not expired. */
  resolve(route: string, providerId: string): string | undefined;
  /** Non-terminal messages, for resuming after a restart. */
  unfinished(): Message[];
  /** Ids of unfinished messages whose validity ended before `now`. */
  expiredBefore(now: Date): string[];
  /** Drops correlations whose TTL ran out; returns how many. */
  purgeCorrelations(now: Date): Promise<number>;
  close(): void;
}

export interface AcceptResult {
  readonly message: Message;
  readonly duplicate: boolean;
  /** The message's first event; absent for a duplicate. */
  readonly event?: DeliveryEvent;
}

export interface EventFilter {
  readonly tenant: string;
  readonly messageIds?: readonly string[];
  readonly channels?: readonly Channel[];
}

/** A status change (or a bare event) to record on a message. */
export interface Transition {
  /** The event to append; sequence, message id, tenant, channel and time are filled in. */
  readonly event: Partial<
    Pick<DeliveryEvent, "kind" | "detail" | "providerMessageId" | "from" | "to" | "text">
  > & {
    readonly status?: MessageStatus;
    readonly error?: ErrorDetail;
    readonly time?: Date;
  };
  readonly attempts?: number;
  readonly route?: string;
  readonly providerMessageId?: string;
  /** When a QUEUED message may next be attempted. */
  readonly nextAttemptAt?: Date;
}

/** Whether an event passes a watcher's filter (its tenant, messages, channels). */
export function matchesFilter(event: DeliveryEvent, filter: EventFilter): boolean {
  if (event.tenant !== filter.tenant) return false;
  if (filter.messageIds?.length && !filter.messageIds.includes(event.messageId)) return false;
  if (filter.channels?.length && !filter.channels.includes(event.channel)) return false;
  return true;
}

/** Statuses after which a message never changes again. */
export function isTerminal(status: MessageStatus): boolean {
  return status >= 4; // DELIVERED, FAILED, EXPIRED, REJECTED
}

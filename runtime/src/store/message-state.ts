import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { ErrorDetail } from "../errors/hermes-error.js";
import {
  type Channel,
  DeliveryEventKind,
  type Message,
  MessageStatus,
} from "../gen/hermes/v1/message_pb.js";
import type { EventInit, EventRecordInit } from "./event-record.js";
import type { EventFilter, Transition } from "./message-store.js";

/**
 * What changes about a message after it is accepted, without its body: the
 * part every transition reads and writes. Backends keep it per message and
 * persist it with each event; nothing here needs the message decoded.
 */
export interface MessageState {
  readonly id: string;
  readonly tenant: string;
  readonly channel: Channel;
  readonly route: string;
  readonly status: MessageStatus;
  /** Attempts whose outcome is known. */
  readonly attempts: number;
  /**
   * The highest attempt that was about to leave; above `attempts`, that attempt's outcome is
   * unknown.
   */
  readonly started: number;
  readonly providerMessageId: string;
  readonly error?: ErrorDetail;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When an undelivered message becomes EXPIRED; MAX_SAFE_INTEGER when never. */
  readonly expiresAt: number;
  /** When a QUEUED message may next be attempted; 0 when at once. */
  readonly nextAttemptAt: number;
}

/**
 * Statuses after which a message never changes again. A cancelled message is
 * REJECTED (with error CANCELLED): cancelling needs no status of its own.
 */
export function isTerminal(status: MessageStatus): boolean {
  return status >= MessageStatus.DELIVERED; // DELIVERED, FAILED, EXPIRED, REJECTED
}

/**
 * Whether a message may still be cancelled: it has not left and is not
 * leaving. It waits (ACCEPTED, or QUEUED for its time or a retry) and no
 * attempt of it is under way (every attempt started has its outcome), so
 * nothing of it can have reached a provider since its last outcome.
 */
export function isCancellable(state: MessageState): boolean {
  return (
    (state.status === MessageStatus.ACCEPTED || state.status === MessageStatus.QUEUED) &&
    state.started === state.attempts
  );
}

/** Whether an event passes a watcher's filter (its tenant, messages, channels). */
export function matchesFilter(
  event: { readonly tenant: string; readonly messageId: string; readonly channel: Channel },
  filter: EventFilter,
): boolean {
  if (event.tenant !== filter.tenant) return false;
  if (filter.messageIds?.length && !filter.messageIds.includes(event.messageId)) return false;
  if (filter.channels?.length && !filter.channels.includes(event.channel)) return false;
  return true;
}

/**
 * The state of a message the router has just prepared: ACCEPTED, REJECTED,
 * or QUEUED until its `nextAttemptAt` (a message sent for later).
 */
export function initialState(message: Message, now: number): MessageState {
  const createdAt = message.createdAt ? timestampMs(message.createdAt) : now;
  return {
    id: message.id,
    tenant: message.tenant,
    channel: message.channel,
    route: message.route,
    status: message.status,
    attempts: 0,
    started: 0,
    providerMessageId: "",
    error: message.error,
    createdAt,
    updatedAt: createdAt,
    expiresAt: message.expiresAt ? timestampMs(message.expiresAt) : Number.MAX_SAFE_INTEGER,
    nextAttemptAt: message.nextAttemptAt ? timestampMs(message.nextAttemptAt) : 0,
  };
}

/** A message's first event: its status on acceptance, with what the router said of it (`detail`). */
export function acceptedEvent(
  state: MessageState,
  detail?: Readonly<Record<string, string>>,
): EventRecordInit {
  // Every field, in eventOf's order: one shape for every event record.
  return {
    messageId: state.id,
    tenant: state.tenant,
    channel: state.channel,
    kind: DeliveryEventKind.STATUS,
    status: state.status,
    time: state.createdAt,
    providerMessageId: "",
    detail,
    error: state.error,
    from: undefined,
    to: undefined,
    text: undefined,
  };
}

/** What a transition makes of a state: the state to store, and the event to append (if any). */
export interface Applied {
  readonly state: MessageState;
  readonly event?: EventRecordInit;
}

/**
 * The rules of a change, for every backend. A change whose `when` does not
 * hold of the state changes nothing and records nothing. A terminal status
 * is final: a later report is kept as history (a PROGRESS event that says
 * what was reported) and changes nothing else. Otherwise the change's status,
 * attempts, route and provider id apply; the error follows the status (a new
 * status without an error clears it). An event's kind defaults to STATUS,
 * its status to the message's status after the change, its time to `now`
 * and its provider id to the message's.
 */
export function applyTransition(state: MessageState, change: Transition, now: number): Applied {
  if (change.when && !change.when(state)) return { state };
  const init = change.event;
  if (isTerminal(state.status)) {
    if (!init) return { state };
    const late =
      init.status !== undefined &&
      (init.kind ?? DeliveryEventKind.STATUS) === DeliveryEventKind.STATUS;
    const detail = late
      ? { ...init.detail, late_report: "true", reported_status: MessageStatus[init.status!] }
      : init.detail;
    const kind = late ? DeliveryEventKind.PROGRESS : (init.kind ?? DeliveryEventKind.STATUS);
    return { state, event: eventOf(state, { ...init, kind, detail, status: state.status }, now) };
  }
  const status = init?.status ?? state.status;
  // Built field by field in one order (as initialState and the stores build
  // states) rather than spread: every state then has one shape, and the
  // transition stays on V8's fast path.
  const next: MessageState = {
    id: state.id,
    tenant: state.tenant,
    channel: state.channel,
    route: change.route ?? state.route,
    status,
    attempts: change.attempts ?? state.attempts,
    started: Math.max(state.started, change.started ?? 0, change.attempts ?? 0),
    providerMessageId: change.providerMessageId ?? state.providerMessageId,
    error: init?.error ?? (status === state.status ? state.error : undefined),
    createdAt: state.createdAt,
    updatedAt: now,
    expiresAt: state.expiresAt,
    nextAttemptAt: change.nextAttemptAt ?? (status === state.status ? state.nextAttemptAt : 0),
  };
  return { state: next, event: init && eventOf(next, init, now) };
}

/** An event for a message in `state` (its status, ids, tenant and channel), with the defaults. */
function eventOf(state: MessageState, init: EventInit, now: number): EventRecordInit {
  return {
    messageId: state.id,
    tenant: state.tenant,
    channel: state.channel,
    kind: init.kind ?? DeliveryEventKind.STATUS,
    status: init.status ?? state.status,
    time: init.time ?? now,
    providerMessageId: init.providerMessageId ?? state.providerMessageId,
    detail: init.detail,
    error: init.error,
    from: init.from,
    to: init.to,
    text: init.text,
  };
}

/** An event that belongs to no stored message (an inbound SMS, an unmatched report). */
export function unattachedEvent(init: EventInit, now: number): EventRecordInit {
  return {
    messageId: init.messageId ?? "",
    tenant: init.tenant ?? "",
    channel: init.channel ?? 0,
    kind: init.kind ?? DeliveryEventKind.STATUS,
    status: init.status ?? MessageStatus.UNSPECIFIED,
    time: init.time ?? now,
    providerMessageId: init.providerMessageId ?? "",
    detail: init.detail,
    error: init.error,
    from: init.from,
    to: init.to,
    text: init.text,
  };
}

/**
 * Whether the last attempt of an unfinished message may have left without its
 * outcome being recorded (the process died between the two). Such a message
 * is sent again after a restart, flagged as a possible duplicate, and its
 * lost attempt counts.
 */
export function lostAttempt(state: MessageState): boolean {
  return state.started > state.attempts && !isTerminal(state.status);
}

/** Puts a state's fields (what the gateway owns of a message) onto the message as stored. */
export function overlayState(message: Message, state: MessageState): Message {
  message.id = state.id;
  message.tenant = state.tenant;
  message.channel = state.channel;
  message.route = state.route;
  message.status = state.status;
  message.attempts = state.attempts;
  message.providerMessageId = state.providerMessageId;
  message.error = state.error;
  message.createdAt = timestampFromMs(state.createdAt);
  message.updatedAt = timestampFromMs(state.updatedAt);
  message.expiresAt =
    state.expiresAt === Number.MAX_SAFE_INTEGER ? undefined : timestampFromMs(state.expiresAt);
  message.nextAttemptAt =
    state.status === MessageStatus.QUEUED && state.nextAttemptAt > 0
      ? timestampFromMs(state.nextAttemptAt)
      : undefined;
  return message;
}

import type { EventRecord, EventRecordInit } from "../event-record.js";
import type { MessageState } from "../message-state.js";
import {
  type EventRow,
  errorJson,
  eventExtra,
  eventOfRow,
  type StateRow,
  stateOfRow,
} from "../sqlite/rows.js";

// What the JetStream backend writes: the same compact rows the SQLite
// backend keeps (sqlite/rows.ts), as JSON, so both engines read and write a
// state or an event one way.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeState(state: MessageState): Uint8Array {
  const row: StateRow = {
    id: state.id,
    tenant: state.tenant,
    channel: state.channel,
    route: state.route,
    status: state.status,
    attempts: state.attempts,
    started: state.started,
    provider_message_id: state.providerMessageId,
    error: errorJson(state.error),
    created_at: state.createdAt,
    updated_at: state.updatedAt,
    expires_at: state.expiresAt,
    next_attempt_at: state.nextAttemptAt,
  };
  return encoder.encode(JSON.stringify(row));
}

export function decodeState(data: Uint8Array): MessageState {
  return stateOfRow(JSON.parse(decoder.decode(data)) as StateRow);
}

export function encodeEvent(event: EventRecordInit): Uint8Array {
  const row: Omit<EventRow, "seq"> = {
    message_id: event.messageId,
    tenant: event.tenant,
    channel: event.channel,
    kind: event.kind,
    status: event.status,
    time: event.time,
    provider_id: event.providerMessageId,
    extra: eventExtra(event),
  };
  return encoder.encode(JSON.stringify(row));
}

/** An event as the stream holds it, with the stream's sequence as its cursor. */
export function decodeEvent(data: Uint8Array, sequence: number): EventRecord {
  return eventOfRow({
    ...(JSON.parse(decoder.decode(data)) as Omit<EventRow, "seq">),
    seq: sequence,
  });
}

/**
 * A work item: what a node needs to send a message without reading its
 * body back, the message id (one length byte, then its bytes) and the body
 * as the caller sent it.
 */
export function encodeWork(id: string, body: Uint8Array): Uint8Array {
  const idBytes = encoder.encode(id);
  const item = new Uint8Array(1 + idBytes.length + body.length);
  item[0] = idBytes.length;
  item.set(idBytes, 1);
  item.set(body, 1 + idBytes.length);
  return item;
}

export function decodeWork(item: Uint8Array): { id: string; body: Uint8Array } {
  const end = 1 + item[0]!;
  return { id: decoder.decode(item.subarray(1, end)), body: item.subarray(end) };
}

import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ErrorDetail } from "../errors/hermes-error.js";
import {
  type Address,
  type Channel,
  type DeliveryEvent,
  type DeliveryEventKind,
  DeliveryEventSchema,
  type MessageStatus,
} from "../gen/hermes/v1/message_pb.js";

/**
 * One entry of the event log as the pipeline carries it: plain data, cheap to
 * build, store and compare. It becomes a `hermes.v1.DeliveryEvent` only where
 * the API hands it out (`toDeliveryEvent`), so a transition nobody watches
 * costs no protobuf work.
 */
export interface EventRecord {
  /** Position in the log: increasing, not necessarily dense; a watcher resumes after it. */
  readonly sequence: number;
  readonly messageId: string;
  readonly tenant: string;
  readonly channel: Channel;
  readonly kind: DeliveryEventKind;
  /** The message's status after this event. */
  readonly status: MessageStatus;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly providerMessageId: string;
  readonly detail?: Readonly<Record<string, string>>;
  readonly error?: ErrorDetail;
  /** Inbound messages: who sent it, to what, and what it says. */
  readonly from?: Address;
  readonly to?: Address;
  readonly text?: string;
}

/** An event before the store gives it a sequence. */
export type EventRecordInit = Omit<EventRecord, "sequence">;

/** What a caller says of an event; the rest (kind, status, time, ids) has defaults. */
export interface EventInit {
  readonly kind?: DeliveryEventKind;
  readonly status?: MessageStatus;
  readonly time?: number;
  readonly providerMessageId?: string;
  readonly detail?: Readonly<Record<string, string>>;
  readonly error?: ErrorDetail;
  readonly from?: Address;
  readonly to?: Address;
  readonly text?: string;
  /** For events of no stored message (inbound, unmatched reports): whose they are. */
  readonly messageId?: string;
  readonly tenant?: string;
  readonly channel?: Channel;
}

/** The API's form of an event. */
export function toDeliveryEvent(record: EventRecord): DeliveryEvent {
  return create(DeliveryEventSchema, {
    sequence: BigInt(record.sequence),
    messageId: record.messageId,
    tenant: record.tenant,
    channel: record.channel,
    kind: record.kind,
    status: record.status,
    time: timestampFromMs(record.time),
    detail: record.detail ?? {},
    error: record.error,
    providerMessageId: record.providerMessageId,
    from: record.from,
    to: record.to,
    text: record.text ?? "",
  });
}

import { create } from "@bufbuild/protobuf";
import type { ErrorDetail } from "../../errors/hermes-error.js";
import { ErrorSchema } from "../../gen/hermes/v1/error_pb.js";
import { type Address, AddressSchema } from "../../gen/hermes/v1/message_pb.js";
import type { EventRecord, EventRecordInit } from "../event-record.js";
import type { MessageState } from "../message-state.js";

// Rows as the SQLite schema (schema.ts) holds them. An event is one compact
// row: numbers and short strings in columns, and what most events do not have
// (detail, error, inbound addresses and text) in one JSON column, NULL when
// empty. JSON.stringify is a fraction of the cost of a protobuf encode here.

export interface EventRow {
  seq: number;
  message_id: string;
  tenant: string;
  channel: number;
  kind: number;
  status: number;
  time: number;
  provider_id: string;
  extra: string | null;
}

export interface StateRow {
  id: string;
  tenant: string;
  channel: number;
  route: string;
  status: number;
  attempts: number;
  started: number;
  provider_message_id: string;
  error: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
  next_attempt_at: number;
}

interface Extra {
  d?: Readonly<Record<string, string>>;
  e?: PlainError;
  f?: PlainAddress;
  t?: PlainAddress;
  x?: string;
}

type PlainError = Omit<ErrorDetail, "$typeName" | "$unknown">;
type PlainAddress = { c: NonNullable<Address["kind"]["case"]>; v: string };

export function eventExtra(event: EventRecordInit): string | null {
  const extra: Extra = {};
  if (event.detail && Object.keys(event.detail).length > 0) extra.d = event.detail;
  if (event.error) extra.e = plainError(event.error);
  if (event.from?.kind.case) extra.f = plainAddress(event.from);
  if (event.to?.kind.case) extra.t = plainAddress(event.to);
  if (event.text) extra.x = event.text;
  return Object.keys(extra).length > 0 ? JSON.stringify(extra) : null;
}

export function eventOfRow(row: EventRow): EventRecord {
  const extra: Extra = row.extra ? JSON.parse(row.extra) : {};
  return {
    sequence: row.seq,
    messageId: row.message_id,
    tenant: row.tenant,
    channel: row.channel,
    kind: row.kind,
    status: row.status,
    time: row.time,
    providerMessageId: row.provider_id,
    detail: extra.d,
    error: extra.e && create(ErrorSchema, extra.e),
    from: extra.f && address(extra.f),
    to: extra.t && address(extra.t),
    text: extra.x,
  };
}

export function stateOfRow(row: StateRow): MessageState {
  return {
    id: row.id,
    tenant: row.tenant,
    channel: row.channel,
    route: row.route,
    status: row.status,
    attempts: row.attempts,
    started: row.started,
    providerMessageId: row.provider_message_id,
    error: errorOfJson(row.error),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    nextAttemptAt: row.next_attempt_at,
  };
}

export function errorJson(error: ErrorDetail | undefined): string | null {
  return error ? JSON.stringify(plainError(error)) : null;
}

export function errorOfJson(json: string | null): ErrorDetail | undefined {
  return json ? create(ErrorSchema, JSON.parse(json) as PlainError) : undefined;
}

function plainError(error: ErrorDetail): PlainError {
  const { code, message, retryable, providerCode, field, retryAfterMs } = error;
  return { code, message, retryable, providerCode, field, retryAfterMs };
}

function plainAddress(address: Address): PlainAddress {
  return { c: address.kind.case!, v: address.kind.value! };
}

function address(plain: PlainAddress): Address {
  return create(AddressSchema, { kind: { case: plain.c, value: plain.v } });
}

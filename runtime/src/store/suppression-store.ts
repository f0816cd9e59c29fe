import type { Channel } from "../gen/hermes/v1/message_pb.js";
import type { SuppressionReason } from "../gen/hermes/v1/suppression_service_pb.js";
import type { SuppressibleKind } from "../suppression/addresses.js";

/** One entry of a tenant's suppression list. */
export interface SuppressionEntry {
  readonly tenant: string;
  /** The address as lists key it (suppression/addresses.ts): "+447700900123", "ann@example.com". */
  readonly address: string;
  /** The kind of address it was given as. */
  readonly kind: SuppressibleKind;
  /** The one channel it holds back; UNSPECIFIED: every channel. */
  readonly channel: Channel;
  readonly reason: SuppressionReason;
  /** Why, in words: the keyword received, the bounce, an operator's note. */
  readonly note: string;
  /** What added it: "api:<key name>", "route:<route>". */
  readonly source: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** One record of the audit trail: an entry added, or removed. */
export interface SuppressionChange {
  /** Increasing per store; a reader resumes after it. */
  readonly sequence: number;
  readonly action: "added" | "removed";
  /** The entry added, or as it was when removed. */
  readonly entry: SuppressionEntry;
  /** Who made the change: "api:<key name>", "route:<route>". */
  readonly actor: string;
  readonly time: number;
  /** Why it was removed. */
  readonly note: string;
}

/** An entry written or deleted, as a store that other processes write too reports it. */
export type SuppressionUpdate =
  | { readonly present: true; readonly entry: SuppressionEntry }
  | {
      readonly present: false;
      readonly tenant: string;
      readonly address: string;
      readonly channel: Channel;
    };

/**
 * Where the suppression lists and their audit trail live, beside the
 * messages (MessageStore.suppressions). The gateway keeps every entry in
 * memory (suppression/suppression-list.ts) and reads the store only at start;
 * every change is written here with its audit record before it applies.
 * `suppressionStoreContract` checks each backend.
 */
export interface SuppressionStore {
  /** Every tenant's entries. */
  entries(): Promise<SuppressionEntry[]>;
  /**
   * Adds an entry, replacing the one for the same (tenant, address, channel),
   * and audits it; resolves once both are durable.
   */
  add(entry: SuppressionEntry, actor: string): Promise<SuppressionChange>;
  /**
   * Removes a tenant's entries for an address: the one for `channel`, or
   * every one of the address when `channel` is undefined; `only` keeps the
   * others (e.g. opt-outs alone). Audits each removal; resolves with them.
   */
  remove(
    tenant: string,
    address: string,
    options: {
      readonly channel?: Channel;
      readonly only?: (entry: SuppressionEntry) => boolean;
      readonly actor: string;
      readonly note: string;
    },
  ): Promise<SuppressionChange[]>;
  /** A tenant's audit trail after `after`, oldest first, at most `limit`. */
  changes(tenant: string, after: number, limit: number): Promise<SuppressionChange[]>;
  /**
   * On a store other gateway processes write too (a cluster): hears of every
   * entry as it stands, then of every entry written or deleted anywhere;
   * resolves, with what stops it, once the entries as they stand are heard.
   * Absent when this process is the only writer.
   */
  follow?(listener: (update: SuppressionUpdate) => void): Promise<() => void>;
}

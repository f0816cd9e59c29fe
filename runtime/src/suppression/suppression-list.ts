import { create } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { type ErrorDetail, ErrorCode, errorDetail, HermesError } from "../errors/hermes-error.js";
import { type Address, AddressSchema, Channel, type Message } from "../gen/hermes/v1/message_pb.js";
import { SuppressionReason } from "../gen/hermes/v1/suppression_service_pb.js";
import type { EventRecord } from "../store/event-record.js";
import type {
  SuppressionChange,
  SuppressionEntry,
  SuppressionStore,
  SuppressionUpdate,
} from "../store/suppression-store.js";
import { type SuppressibleKind, suppressionKey } from "./addresses.js";
import type { KeywordMatcher } from "./keywords.js";
import type { Condemnation } from "./report-rules.js";

/** A page of a tenant's entries, oldest first, and where the next one starts. */
export interface SuppressionPage {
  readonly entries: readonly SuppressionEntry[];
  readonly next?: string;
}

/**
 * The tenants' suppression lists as the gateway uses them: every entry in
 * memory, by tenant and address, so that the check every Send makes is two
 * map lookups (and none for a tenant with an empty list); the store holds
 * the truth and the audit trail, and every change is durable there before
 * it applies here. On a cluster it also follows the changes other nodes
 * make. It turns inbound keywords, hard bounces and complaints into entries.
 */
export class SuppressionList {
  readonly #store: SuppressionStore;
  readonly #keywords: KeywordMatcher;
  readonly #log: Logger;
  /** tenant → address key → its entries (one per channel). */
  readonly #index = new Map<string, Map<string, SuppressionEntry[]>>();
  #unfollow: (() => void) | undefined;

  private constructor(store: SuppressionStore, keywords: KeywordMatcher, log: Logger) {
    this.#store = store;
    this.#keywords = keywords;
    this.#log = log;
  }

  /** Loads every entry (and, on a cluster, follows other nodes' changes). */
  static async open(
    store: SuppressionStore,
    keywords: KeywordMatcher,
    log: Logger,
  ): Promise<SuppressionList> {
    const list = new SuppressionList(store, keywords, log);
    for (const entry of await store.entries()) list.#set(entry);
    list.#unfollow = await store.follow?.((update) => list.#apply(update));
    return list;
  }

  /** The entry that holds back a tenant's message of `channel` to `to`, if any. */
  match(tenant: string, channel: Channel, to: Address | undefined): SuppressionEntry | undefined {
    const byAddress = this.#index.get(tenant);
    if (!byAddress) return undefined;
    const key = suppressionKey(to);
    const entries = key === undefined ? undefined : byAddress.get(key);
    return entries?.find((e) => e.channel === Channel.UNSPECIFIED || e.channel === channel);
  }

  /** Adds (or replaces) a tenant's entry for an address; resolves once it is durable and applies. */
  async add(
    tenant: string,
    address: Address | undefined,
    options: {
      readonly channel: Channel;
      readonly reason: SuppressionReason;
      readonly note: string;
      readonly actor: string;
    },
  ): Promise<SuppressionEntry> {
    const entry: SuppressionEntry = {
      tenant,
      ...addressOf(address),
      channel: options.channel,
      reason: options.reason,
      note: options.note,
      source: options.actor,
      createdAt: Date.now(),
    };
    await this.#store.add(entry, options.actor);
    this.#set(entry);
    return entry;
  }

  /** Removes a tenant's entries for an address (of one channel, or all; `only` some); resolves with them. */
  async remove(
    tenant: string,
    address: Address | undefined,
    options: {
      readonly channel?: Channel;
      readonly only?: (entry: SuppressionEntry) => boolean;
      readonly actor: string;
      readonly note: string;
    },
  ): Promise<SuppressionEntry[]> {
    const key = addressOf(address).address;
    const changes = await this.#store.remove(tenant, key, options);
    for (const { entry } of changes) this.#delete(tenant, key, entry.channel);
    return changes.map((change) => change.entry);
  }

  /** A tenant's entries (of one address, when given), oldest first, a page at a time. */
  list(
    tenant: string,
    options: { readonly address?: Address; readonly after?: string; readonly limit: number },
  ): SuppressionPage {
    const byAddress = this.#index.get(tenant);
    const only = options.address?.kind.case ? addressOf(options.address).address : undefined;
    const all = only ? (byAddress?.get(only) ?? []) : [...(byAddress?.values() ?? [])].flat();
    const sorted = all.sort(compareEntries);
    const after = options.after ? cursorEntry(options.after) : undefined;
    const start = after ? sorted.findIndex((e) => compareEntries(e, after) > 0) : 0;
    const entries = start < 0 ? [] : sorted.slice(start, start + options.limit);
    const last = entries.at(-1);
    const more = start >= 0 && start + options.limit < sorted.length;
    return { entries, next: more && last ? cursorOf(last) : undefined };
  }

  /** A tenant's audit trail after a sequence. */
  changes(tenant: string, after: number, limit: number): Promise<SuppressionChange[]> {
    return this.#store.changes(tenant, after, limit);
  }

  /**
   * An inbound message (SMS MO, a chat reply) recorded on `route`: a stop
   * keyword suppresses its sender on that channel, a stop-all one on every
   * channel, a start keyword removes the sender's opt-outs (not its bounces,
   * complaints or an operator's entries). Anything else changes nothing.
   */
  async inbound(route: string, event: EventRecord): Promise<void> {
    const action = this.#keywords.match(event.text);
    if (!action || suppressionKey(event.from) === undefined) return;
    const note = `inbound "${event.text?.trim()}" on route ${route}`;
    const actor = `route:${route}`;
    if (action === "start") {
      await this.remove(event.tenant, event.from, {
        only: (entry) => entry.reason === SuppressionReason.OPT_OUT,
        actor,
        note,
      });
    } else {
      await this.add(event.tenant, event.from, {
        channel: action === "stop" ? event.channel : Channel.UNSPECIFIED,
        reason: SuppressionReason.OPT_OUT,
        note,
        actor,
      });
    }
    this.#log.info(
      { tenant: event.tenant, route, action },
      "an inbound keyword changed a suppression list",
    );
  }

  /** A report condemned the address `message` went to (a hard bounce, a complaint): every channel. */
  async condemned(message: Message, why: Condemnation): Promise<void> {
    if (suppressionKey(message.to) === undefined) return;
    await this.add(message.tenant, message.to, {
      channel: Channel.UNSPECIFIED,
      reason: why.reason,
      note: `${why.note} (message ${message.id})`,
      actor: `route:${message.route}`,
    });
  }

  close(): void {
    this.#unfollow?.();
  }

  #apply(update: SuppressionUpdate): void {
    if (update.present) this.#set(update.entry);
    else this.#delete(update.tenant, update.address, update.channel);
  }

  #set(entry: SuppressionEntry): void {
    let byAddress = this.#index.get(entry.tenant);
    if (!byAddress) {
      byAddress = new Map();
      this.#index.set(entry.tenant, byAddress);
    }
    const others = (byAddress.get(entry.address) ?? []).filter((e) => e.channel !== entry.channel);
    byAddress.set(entry.address, [...others, entry]);
  }

  #delete(tenant: string, address: string, channel: Channel): void {
    const byAddress = this.#index.get(tenant);
    const left = byAddress?.get(address)?.filter((e) => e.channel !== channel) ?? [];
    if (left.length > 0) byAddress!.set(address, left);
    else byAddress?.delete(address);
    if (byAddress?.size === 0) this.#index.delete(tenant);
  }
}

/** Why a message to a suppressed address is REJECTED: its error (SUPPRESSED). */
export function suppressedError(entry: SuppressionEntry): ErrorDetail {
  const scope = entry.channel === Channel.UNSPECIFIED ? "" : ` for ${Channel[entry.channel]}`;
  return errorDetail(
    ErrorCode.SUPPRESSED,
    `${entry.address} is on tenant ${entry.tenant}'s suppression list${scope} since ${new Date(entry.createdAt).toISOString()} (${SuppressionReason[entry.reason]}: ${entry.note}); nothing was sent`,
    { retryable: false },
  );
}

/** The key and kind of an address a list can hold; INVALID_ARGUMENT for one it cannot. */
function addressOf(address: Address | undefined): { address: string; kind: SuppressibleKind } {
  const key = suppressionKey(address);
  if (key === undefined || !address?.kind.case || address.kind.case === "url")
    throw new HermesError(
      ErrorCode.INVALID_ARGUMENT,
      "address must be an E.164 phone number, an email address, a device token or a chat id",
      { field: "address" },
    );
  return { address: key, kind: address.kind.case };
}

/** An entry's address as the API shows it. */
export function addressOfEntry(entry: SuppressionEntry): Address {
  return create(AddressSchema, { kind: { case: entry.kind, value: entry.address } });
}

function compareEntries(a: SuppressionEntry, b: SuppressionEntry): number {
  return a.createdAt - b.createdAt || a.address.localeCompare(b.address) || a.channel - b.channel;
}

function cursorOf(entry: SuppressionEntry): string {
  return Buffer.from(JSON.stringify([entry.createdAt, entry.address, entry.channel])).toString(
    "base64url",
  );
}

function cursorEntry(cursor: string): SuppressionEntry {
  try {
    const [createdAt, address, channel] = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (typeof createdAt === "number" && typeof address === "string" && typeof channel === "number")
      return { createdAt, address, channel } as SuppressionEntry;
  } catch {}
  throw new HermesError(ErrorCode.INVALID_ARGUMENT, "page_token is not one this gateway gave", {
    field: "page_token",
  });
}

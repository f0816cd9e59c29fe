import type { Logger } from "pino";
import type {
  Address,
  Channel,
  DeliveryEventKind,
  Message,
  MessageStatus,
} from "../gen/hermes/v1/message_pb.js";
import type { RouteState } from "../gen/hermes/v1/admin_service_pb.js";
import type { ErrorDetail } from "../errors/hermes-error.js";
import type { RouteSupervisor } from "./route-supervisor.js";
import type { MessageTracer } from "../tracing/tracer.js";

/**
 * The native-plugin interface: what every channel adapter implements, whether
 * it is built into the host (webhook, SMPP, SMTP) or wraps a WASM plugin.
 *
 * The router's feeder is the producer; the adapter is the consumer. The
 * feeder never has more sends outstanding than the adapter's `demand()`,
 * and calls `demand()` again after every completed send and whenever the
 * adapter calls `ctx.demandChanged()` (a bind came up, a window opened). An
 * adapter with a full window returns 0 and the flow stops upstream, with no
 * polling and no unbounded queue.
 */
export interface ChannelAdapter {
  /** Adapter type: "webhook", "smpp", "smtp", "wasm", ... */
  readonly type: string;
  /** Starts connections and children. Called once, before any send. */
  start(ctx: AdapterContext): Promise<void>;
  /**
   * Refuses, at accept time, a message this adapter could never send (an SMS
   * text longer than the route allows): throws a HermesError
   * INVALID_ARGUMENT naming the field, and the message is not stored.
   */
  validate?(message: Message): void;
  /** How many more sends the adapter accepts right now. */
  demand(): number;
  /**
   * Sends one message (attempt counts from 1). Resolves with the outcome;
   * rejecting is treated as a retryable INTERNAL failure.
   */
  send(message: Message, attempt: number): Promise<SendOutcome>;
  /** Receives a provider callback addressed to this route (POST /webhooks/<route>). */
  handleWebhook?(request: WebhookRequest): Promise<WebhookReply>;
  /** Current health, as reported by AdminService. */
  health(): AdapterHealth;
  /** Stops gracefully: in-flight sends finish or fail retryably. */
  stop(): Promise<void>;
}

/**
 * What a send came to. `submitted` waits for a delivery report; `delivered`
 * is final at once (a webhook endpoint that took the message). A retryable
 * failure is retried by the router.
 */
export type SendOutcome =
  | {
      readonly kind: "delivered";
      readonly providerMessageId?: string;
      readonly detail?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: "submitted";
      /** The provider's id, normalised as the adapter's reports will use it. */
      readonly providerMessageId: string;
      /** Further ids that reports may use (SMS parts, per-recipient ids). */
      readonly extraProviderIds?: readonly string[];
      readonly detail?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: "failed";
      readonly error: ErrorDetail;
      readonly detail?: Readonly<Record<string, string>>;
    };

/**
 * A delivery report, receipt or inbound message from a provider. The gateway
 * maps providerMessageId to the Hermes message (per route, kept 72 h) unless
 * messageId is already known.
 */
export interface ProviderReport {
  readonly kind: DeliveryEventKind;
  readonly providerMessageId?: string;
  readonly messageId?: string;
  /**
   * The recipient the report is about, as the provider gives it (an SMPP
   * receipt's source address is the original destination). When set, only a
   * message sent to that address can take the report.
   */
  readonly address?: string;
  /** The status this report moves the message to, if any. */
  readonly status?: MessageStatus;
  readonly error?: ErrorDetail;
  readonly detail?: Readonly<Record<string, string>>;
  readonly time?: Date;
  /** Inbound messages: addresses and text. */
  readonly from?: Address;
  readonly to?: Address;
  readonly text?: string;
  /** Inbound messages: the tenant they belong to (the route's tenant by default). */
  readonly tenant?: string;
}

export interface AdapterContext {
  readonly route: string;
  readonly channel: Channel;
  /** The route's adapter configuration, as written in the config file. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly log: Logger;
  /** The route's supervisor: adapters start their actors under it. */
  readonly supervisor: RouteSupervisor;
  /** Records a report durably; resolves once it is on disk. */
  report(report: ProviderReport): Promise<void>;
  /** Tells the route feeder that demand() may have grown. */
  demandChanged(): void;
  /**
   * On a cluster, the leases that give each carrier bind to one node: an
   * adapter runs a bind only while it holds the bind's lease. Absent on a
   * single node, which holds every bind.
   */
  readonly leases?: BindLeases;
  /**
   * The gateway's tracer: an adapter starts its spans of a send with
   * `tracer.span(name, message.id, "client")` (docs/tracing.md). Absent or
   * `noTracing` when the gateway does not trace.
   */
  readonly tracer?: MessageTracer;
}

/** Leases on named parts of an adapter (binds), each held by one node of a cluster at a time. */
export interface BindLeases {
  /** Starts competing for `key`; returns what gives it back (and stops competing). */
  hold(key: string, holder: LeaseHolder): () => Promise<void>;
}

/** What a lease guards: started when the lease is taken here, stopped when it is lost. */
export interface LeaseHolder {
  acquired(): Promise<void> | void;
  /** Must stop at once: another node may take the lease soon after. */
  lost(): Promise<void> | void;
}

export interface AdapterHealth {
  readonly state: RouteState;
  readonly reason?: string;
  readonly detail?: Readonly<Record<string, string>>;
}

export interface WebhookRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Uint8Array;
}

export interface WebhookReply {
  readonly status: number;
  readonly body?: string | Uint8Array;
  readonly contentType?: string;
}

/** Builds an adapter from a route's config; registered per adapter type. */
export type AdapterFactory = (config: Readonly<Record<string, unknown>>) => ChannelAdapter;

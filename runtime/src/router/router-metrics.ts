import type { Channel, DeliveryEventKind, MessageStatus } from "../gen/hermes/v1/message_pb.js";
import type { SendOutcome } from "./adapter.js";

/**
 * What the router counts. The server's Prometheus registry implements it
 * (server/metrics.ts); the router depends only on this.
 */
export interface RouterMetrics {
  accepted(channel: Channel, tenant: string): void;
  /** A message refused as invalid, by the field at fault. */
  invalid(field: string): void;
  /** A message refused because its route's queue was full. */
  queueFull(route: string): void;
  attempt(route: string, outcome: SendOutcome["kind"]): void;
  finished(route: string, status: MessageStatus): void;
  report(route: string, kind: DeliveryEventKind): void;
  /** A report no message could be matched to, or that matched ambiguously. */
  unmatchedReport(route: string, reason: string): void;
  /** A send of a message that may have been delivered already. */
  duplicateRisk(route: string): void;
}

import { DeliveryEventKind, MessageStatus } from "../gen/hermes/v1/message_pb.js";
import { SuppressionReason } from "../gen/hermes/v1/suppression_service_pb.js";
import type { ProviderReport } from "../router/adapter.js";

/** Why a report condemns the address its message went to, for the suppression list. */
export interface Condemnation {
  readonly reason: SuppressionReason;
  readonly note: string;
}

/**
 * What a provider report says against its recipient's address: a hard
 * bounce (a failure the driver classed `bounce_type: hard`, e.g. KumoMTA's
 * InvalidRecipient, BadDomain and InactiveMailbox, drivers/smtp/bounce-classes.ts)
 * or a complaint (a feedback loop report). Soft bounces, expiries and
 * carrier failures say nothing against the address. Checked on every report
 * applied to a message, so it reads two fields and allocates nothing unless
 * it condemns.
 */
export function condemnation(report: ProviderReport): Condemnation | undefined {
  if (report.kind === DeliveryEventKind.COMPLAINT) {
    const type = report.detail?.feedback_type;
    return {
      reason: SuppressionReason.COMPLAINT,
      note: type ? `complaint (${type})` : "complaint",
    };
  }
  if (report.status === MessageStatus.FAILED && report.detail?.bounce_type === "hard")
    return {
      reason: SuppressionReason.HARD_BOUNCE,
      note: report.error?.message ? `hard bounce: ${report.error.message}` : "hard bounce",
    };
  return undefined;
}

import { DeliveryEventKind, MessageStatus } from "../../gen/hermes/v1/message_pb.js";
import { ErrorCode, errorDetail } from "../../errors/hermes-error.js";
import type { ProviderReport } from "../../router/adapter.js";
import { bounceTypeOf } from "./bounce-classes.js";
import { formatEnhancedCode, formatResponseCode, type KumoLogRecord } from "./log-record.js";

/** Where a record's Hermes message id may be found. */
export interface CorrelationFields {
  /** Meta key a KumoMTA policy copies the Hermes id into (log hook `meta = {...}`). */
  readonly metaKey: string;
  /** Header Hermes adds to every message (log hook `headers = {...}`). */
  readonly header: string;
}

/**
 * The Hermes message a record is about, if the record says: its meta, its
 * logged headers, and for ARF feedback the trace decoded from the original
 * message (X-KumoRef) or the original message's own headers.
 */
export function hermesIdOf(record: KumoLogRecord, fields: CorrelationFields): string | undefined {
  const fromMeta = stringOf(record.meta[fields.metaKey]);
  if (fromMeta) return fromMeta;
  const wanted = fields.header.toLowerCase();
  for (const [name, value] of Object.entries(record.headers)) {
    if (name.toLowerCase() === wanted) {
      const id = stringOf(value);
      if (id) return id;
    }
  }
  const report = record.feedback_report;
  if (report) {
    const traced = stringOf(report.supplemental_trace?.[fields.metaKey]);
    if (traced) return traced;
    const original = report.original_message;
    if (typeof original === "string") {
      const match = new RegExp(`^${escapeRegExp(fields.header)}:[ \\t]*(\\S+)`, "im").exec(
        original,
      );
      if (match) return match[1];
    }
  }
  return undefined;
}

/**
 * Turns one KumoMTA log record into a Hermes report (without its
 * correlation, which the caller adds).
 *
 * | KumoMTA record | Hermes |
 * | --- | --- |
 * | Reception | SUBMITTED, or PROGRESS when the send already reported SUBMITTED |
 * | Delivery | DELIVERED |
 * | TransientFailure | RETRYING event, status unchanged |
 * | Bounce, AdminBounce | FAILED (hard: INVALID_RECIPIENT, soft: PROVIDER_REJECTED) |
 * | Expiration | FAILED with EXPIRED |
 * | Rejection | FAILED (5xx) or RETRYING (4xx) |
 * | OOB | FAILED: a bounce after the fact (a DELIVERED message keeps its status; the event is
 * recorded) |
 * | Feedback | COMPLAINT event |
 * | anything else (Delay, AdminRebind, newer types) | PROGRESS event |
 */
export function reportOf(
  record: KumoLogRecord,
  alreadySubmitted: boolean,
  recordKey: string,
): ProviderReport {
  const detail = detailOf(record, recordKey);
  const time = new Date(record.timestamp * 1000);
  const smtp = `${formatResponseCode(record.response)} ${record.response.content}`.trim();
  switch (record.type) {
    case "Reception":
      return alreadySubmitted
        ? { kind: DeliveryEventKind.PROGRESS, detail, time }
        : { kind: DeliveryEventKind.STATUS, status: MessageStatus.SUBMITTED, detail, time };
    case "Delivery":
      return { kind: DeliveryEventKind.STATUS, status: MessageStatus.DELIVERED, detail, time };
    case "TransientFailure":
      return {
        kind: DeliveryEventKind.RETRYING,
        detail,
        time,
        error: errorDetail(
          ErrorCode.PROVIDER_UNAVAILABLE,
          `KumoMTA will retry (attempt ${record.num_attempts}): ${smtp}`,
          { providerCode: formatResponseCode(record.response) },
        ),
      };
    case "Rejection":
      if (record.response.code < 500) {
        return {
          kind: DeliveryEventKind.RETRYING,
          detail,
          time,
          error: errorDetail(ErrorCode.PROVIDER_UNAVAILABLE, `KumoMTA refused for now: ${smtp}`, {
            providerCode: formatResponseCode(record.response),
          }),
        };
      }
      return failure(record, detail, time, `KumoMTA rejected the message: ${smtp}`);
    case "Bounce":
      return failure(record, detail, time, `bounced (${record.bounce_classification}): ${smtp}`);
    case "OOB":
      return failure(
        record,
        detail,
        time,
        `out-of-band bounce (${record.bounce_classification}): ${smtp}`,
      );
    case "AdminBounce":
      return failure(
        record,
        detail,
        time,
        `bounced by a KumoMTA administrator: ${record.response.content}`,
      );
    case "Expiration":
      return {
        kind: DeliveryEventKind.STATUS,
        status: MessageStatus.FAILED,
        detail: { ...detail, bounce_type: "soft" },
        time,
        error: errorDetail(
          ErrorCode.EXPIRED,
          `KumoMTA gave up after ${record.num_attempts} attempts: the message outlived its queue lifetime (${smtp})`,
          {
            providerCode: formatResponseCode(record.response),
            retryable: false,
          },
        ),
      };
    case "Feedback":
      return {
        kind: DeliveryEventKind.COMPLAINT,
        detail: { ...detail, ...feedbackDetail(record) },
        time,
      };
    default:
      return { kind: DeliveryEventKind.PROGRESS, detail, time };
  }
}

function failure(
  record: KumoLogRecord,
  detail: Record<string, string>,
  time: Date,
  message: string,
): ProviderReport {
  const bounceType = bounceTypeOf(record.bounce_classification, record.response);
  return {
    kind: DeliveryEventKind.STATUS,
    status: MessageStatus.FAILED,
    detail: { ...detail, bounce_type: bounceType },
    time,
    error: errorDetail(
      bounceType === "hard" ? ErrorCode.INVALID_RECIPIENT : ErrorCode.PROVIDER_REJECTED,
      message,
      {
        providerCode: formatResponseCode(record.response),
        retryable: false,
      },
    ),
  };
}

function detailOf(record: KumoLogRecord, recordKey: string): Record<string, string> {
  const { response } = record;
  const detail: Record<string, string> = {
    kumo_type: record.type,
    kumo_id: record.id,
    kumo_record_key: recordKey,
    recipient: record.recipient,
    queue: record.queue,
    num_attempts: String(record.num_attempts),
    smtp_code: String(response.code),
    bounce_classification: record.bounce_classification,
  };
  const optional: Record<string, string | null | undefined> = {
    site: record.site,
    smtp_enhanced_code: formatEnhancedCode(response),
    smtp_response: response.content.slice(0, 512),
    smtp_command: response.command,
    egress_pool: record.egress_pool,
    egress_source: record.egress_source,
    peer_name: record.peer_address?.name,
    peer_addr: record.peer_address?.addr,
    delivery_protocol: record.delivery_protocol,
    reception_protocol: record.reception_protocol,
    tls_cipher: record.tls_cipher,
    tls_protocol_version: record.tls_protocol_version,
    tenant: stringOf(record.meta.tenant),
    campaign: stringOf(record.meta.campaign),
  };
  for (const [key, value] of Object.entries(optional)) if (value) detail[key] = value;
  return detail;
}

function feedbackDetail(record: KumoLogRecord): Record<string, string> {
  const report = record.feedback_report;
  const detail: Record<string, string> = {};
  if (report?.feedback_type) detail.feedback_type = String(report.feedback_type);
  if (report?.user_agent) detail.feedback_user_agent = String(report.user_agent);
  const complainant = report?.original_rcpto_to?.[0];
  if (complainant) detail.complainant = complainant.replace(/^<|>$/g, "");
  return detail;
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (Array.isArray(value) && typeof value[0] === "string" && value[0] !== "") return value[0];
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

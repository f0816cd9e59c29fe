import { randomBytes } from "node:crypto";
import type { Step } from "./outcomes.js";

/** A message in the simulated spool, as the log records describe it. */
export interface SpooledMessage {
  /** 32 hex digits, as KumoMTA's spool ids (a UUID without dashes). */
  readonly id: string;
  readonly sender: string;
  readonly recipient: string;
  readonly size: number;
  /** Seconds since the epoch. */
  readonly created: number;
  /** "campaign:tenant@domain", "tenant@domain" or "domain", as KumoMTA names queues. */
  readonly queue: string;
  /** Message meta: the queue helper's tenant and campaign. */
  readonly meta: Readonly<Record<string, string>>;
  /** Header name (lower case) → [name as written, value]. */
  readonly headers: ReadonlyMap<string, readonly [string, string]>;
  /** The header block as received, for ARF reports that quote it. */
  readonly headerBlock: string;
  readonly receptionProtocol: "ESMTP" | "HTTP";
  readonly peer: { readonly name: string; readonly addr: string };
  attempts: number;
}

/** What the simulator's logger captures, as `configure_log_hook`'s `headers` and `meta` lists. */
export interface LoggerFields {
  readonly headers: readonly string[];
  readonly meta: readonly string[];
}

export function newSpoolId(): string {
  return randomBytes(16).toString("hex");
}

/** The recipient's domain, lower case, as KumoMTA keys queues and sites by it. */
function domainOf(recipient: string): string {
  return recipient.slice(recipient.lastIndexOf("@") + 1).toLowerCase();
}

/** KumoMTA's queue name: campaign and tenant from the message meta, then the recipient domain. */
export function queueNameOf(
  recipient: string,
  tenant: string | undefined,
  campaign: string | undefined,
): string {
  const domain = domainOf(recipient);
  if (campaign && tenant) return `${campaign}:${tenant}@${domain}`;
  if (tenant) return `${tenant}@${domain}`;
  return domain;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The Reception record KumoMTA logs as it accepts a message. */
export function receptionRecord(
  message: SpooledMessage,
  fields: LoggerFields,
  nodeid: string,
): Record<string, unknown> {
  return base("Reception", message, fields, nodeid, {
    site: "",
    response: { code: 250, enhanced_code: null, content: "", command: null },
    peer_address: message.peer,
    delivery_protocol: null,
  });
}

/** The record of one step of the message's life after reception. */
export function stepRecord(
  step: Step,
  message: SpooledMessage,
  fields: LoggerFields,
  nodeid: string,
): Record<string, unknown> {
  const domain = domainOf(message.recipient);
  const mx = { name: `mx.${domain}.`, addr: "192.0.2.25" };
  const egress = {
    site: `source0->mx.${domain}.`,
    peer_address: mx,
    egress_pool: "pool0",
    egress_source: "source0",
    source_address: { address: "192.0.2.1:49152" },
    delivery_protocol: "ESMTP",
    tls_cipher: "TLS_AES_256_GCM_SHA384",
    tls_protocol_version: "TLSv1.3",
    tls_peer_subject_name: [`CN=mx.${domain}`],
  };
  switch (step.type) {
    case "Delivery":
      message.attempts++;
      return base("Delivery", message, fields, nodeid, {
        ...egress,
        response: {
          code: 250,
          enhanced_code: { class: 2, subject: 0, detail: 0 },
          content: `OK ${newSpoolId().slice(0, 12)} - delivered`,
          command: ".",
        },
      });
    case "TransientFailure":
      message.attempts++;
      return base("TransientFailure", message, fields, nodeid, {
        ...egress,
        response: {
          code: 451,
          enhanced_code: { class: 4, subject: 7, detail: 1 },
          content: "Greylisted, please try again later",
          command: "RCPT TO",
        },
      });
    case "Bounce":
      message.attempts++;
      return base("Bounce", message, fields, nodeid, {
        ...egress,
        response: {
          code: step.code,
          enhanced_code: {
            class: step.enhanced[0],
            subject: step.enhanced[1],
            detail: step.enhanced[2],
          },
          content: step.text,
          command: "RCPT TO",
        },
        bounce_classification: step.classification,
      });
    case "Expiration":
      return base("Expiration", message, fields, nodeid, {
        site: "",
        response: {
          code: 551,
          enhanced_code: { class: 5, subject: 4, detail: 7 },
          content: `Next delivery time would be in the future, which exceeds the expiry time ${new Date().toISOString()}`,
          command: null,
        },
        delivery_protocol: null,
      });
    case "Feedback":
      return feedbackRecord(message, nodeid);
  }
}

/** An ARF abuse report about the message, received back from the recipient's ISP. */
function feedbackRecord(original: SpooledMessage, nodeid: string): Record<string, unknown> {
  const senderDomain = original.sender.slice(original.sender.lastIndexOf("@") + 1);
  const now = nowSeconds();
  return {
    type: "Feedback",
    id: newSpoolId(),
    sender: "fbl@isp.example",
    recipient: `fbl@${senderDomain}`,
    queue: senderDomain,
    site: "",
    size: 2048,
    response: { code: 250, enhanced_code: null, content: "", command: null },
    peer_address: { name: "fbl.isp.example", addr: "192.0.2.80" },
    timestamp: now,
    created: now,
    num_attempts: 0,
    bounce_classification: "Uncategorized",
    egress_pool: null,
    egress_source: null,
    source_address: null,
    feedback_report: {
      feedback_type: "abuse",
      user_agent: "KumoSimFBL/1.0",
      version: 1,
      arrival_date: new Date().toISOString(),
      incidents: null,
      original_envelope_id: null,
      original_mail_from: `<${original.sender}>`,
      reporting_mta: { mta_type: "dns", name: "fbl.isp.example" },
      source_ip: "192.0.2.1",
      authentication_results: [],
      original_rcpto_to: [`<${original.recipient}>`],
      reported_domain: [senderDomain],
      reported_uri: [],
      extensions: {},
      original_message: original.headerBlock,
      supplemental_trace: { recipient: original.recipient },
    },
    meta: {},
    headers: {},
    delivery_protocol: null,
    reception_protocol: "ESMTP",
    nodeid,
  };
}

function base(
  type: string,
  message: SpooledMessage,
  fields: LoggerFields,
  nodeid: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const name of fields.headers) {
    const found = message.headers.get(name.toLowerCase());
    if (found) headers[name] = found[1];
  }
  const meta: Record<string, string> = {};
  for (const name of fields.meta)
    if (message.meta[name] !== undefined) meta[name] = message.meta[name];
  return {
    type,
    id: message.id,
    sender: message.sender,
    recipient: message.recipient,
    queue: message.queue,
    size: message.size,
    peer_address: null,
    timestamp: nowSeconds(),
    created: message.created,
    num_attempts: message.attempts,
    bounce_classification: "Uncategorized",
    egress_pool: null,
    egress_source: null,
    source_address: null,
    feedback_report: null,
    meta,
    headers,
    reception_protocol: message.receptionProtocol,
    nodeid,
    ...extra,
  };
}

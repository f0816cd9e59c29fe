/**
 * KumoMTA's JSON log record, as its log hooks POST it (kumo-log-types
 * `JsonLogRecord`; docs/reference/log_record.md). Fields that are not
 * `Option` in KumoMTA's struct are required here; optional ones may be
 * absent or null. Unknown extra fields are kept (newer KumoMTA versions add
 * some) and ignored.
 */
export interface KumoLogRecord {
  /**
   * Reception, Delivery, Bounce, TransientFailure, Expiration, AdminBounce, OOB, Feedback,
   * Rejection, AdminRebind, Delay...
   */
  readonly type: string;
  /** The spool id (32 hex digits), as in the `250 OK ids=` reply. */
  readonly id: string;
  readonly sender: string;
  readonly recipient: string;
  readonly queue: string;
  readonly site: string;
  readonly size: number;
  readonly response: KumoResponse;
  readonly peer_address?: { readonly name: string; readonly addr: string } | null;
  /** Seconds since the epoch. */
  readonly timestamp: number;
  readonly created: number;
  readonly num_attempts: number;
  readonly bounce_classification: string;
  readonly egress_pool?: string | null;
  readonly egress_source?: string | null;
  readonly feedback_report?: KumoFeedbackReport | null;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly delivery_protocol?: string | null;
  readonly reception_protocol?: string | null;
  readonly nodeid: string;
  readonly tls_cipher?: string | null;
  readonly tls_protocol_version?: string | null;
  readonly tls_peer_subject_name?: readonly string[] | null;
  readonly session_id?: string | null;
}

export interface KumoResponse {
  readonly code: number;
  readonly enhanced_code?: {
    readonly class: number;
    readonly subject: number;
    readonly detail: number;
  } | null;
  readonly content: string;
  readonly command?: string | null;
}

/** RFC 5965 ARF report as KumoMTA parses it (only the fields Hermes reads are typed). */
export interface KumoFeedbackReport {
  readonly feedback_type?: string;
  readonly user_agent?: string | null;
  readonly original_rcpto_to?: readonly string[] | null;
  readonly original_message?: string | null;
  readonly supplemental_trace?: Readonly<Record<string, unknown>> | null;
  readonly [key: string]: unknown;
}

/** One record of a log hook body: parsed, or why it is not a record. */
export type ParsedRecord =
  | { readonly ok: true; readonly record: KumoLogRecord }
  | { readonly ok: false; readonly index: number; readonly reason: string };

/**
 * Splits a log hook body into records. KumoMTA's stock `log_hooks:new_json`
 * POSTs one JSON object per request; batching hooks send a JSON array or
 * newline-delimited JSON. Throws when the body as a whole is unreadable.
 */
export function parseLogHookBody(body: string): ParsedRecord[] {
  const text = body.trim();
  if (text === "")
    throw new Error(
      "empty body: expected a KumoMTA log record (JSON object), an array of them or newline-delimited JSON",
    );
  let values: unknown[];
  if (text.startsWith("[")) {
    const parsed = parseJson(text);
    if (!parsed.ok) throw new Error(`body is not valid JSON: ${parsed.reason}`);
    values = parsed.value as unknown[];
    if (values.length === 0) throw new Error("empty batch: the JSON array holds no records");
  } else {
    const whole = parseJson(text);
    if (whole.ok) values = [whole.value];
    else {
      // Not one JSON document: newline-delimited JSON, one record a line.
      const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
      if (lines.length < 2) throw new Error(`body is not valid JSON: ${whole.reason}`);
      return lines.map((line, index) => {
        const parsed = parseJson(line);
        return parsed.ok
          ? validateRecord(parsed.value, index)
          : { ok: false, index, reason: `line ${index + 1} is not valid JSON: ${parsed.reason}` };
      });
    }
  }
  return values.map((value, index) => validateRecord(value, index));
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (cause) {
    return { ok: false, reason: (cause as Error).message };
  }
}

/** Checks one value against KumoMTA's record schema, naming the first field at fault. */
export function validateRecord(value: unknown, index = 0): ParsedRecord {
  const fail = (reason: string): ParsedRecord => ({
    ok: false,
    index,
    reason: `record ${index}: ${reason}`,
  });
  if (!isObject(value)) return fail("is not a JSON object");
  for (const field of [
    "type",
    "id",
    "sender",
    "recipient",
    "queue",
    "site",
    "nodeid",
    "bounce_classification",
  ] as const) {
    if (typeof value[field] !== "string") return fail(`${field} must be a string`);
  }
  if (value.type === "") return fail("type must not be empty");
  for (const field of ["size", "timestamp", "created", "num_attempts"] as const) {
    const n = value[field];
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0)
      return fail(`${field} must be a non-negative number`);
  }
  const response = value.response;
  if (!isObject(response)) return fail("response must be an object");
  if (typeof response.code !== "number" || !Number.isInteger(response.code))
    return fail("response.code must be an integer");
  if (typeof response.content !== "string") return fail("response.content must be a string");
  if (
    response.command !== undefined &&
    response.command !== null &&
    typeof response.command !== "string"
  )
    return fail("response.command must be a string or null");
  const enhanced = response.enhanced_code;
  if (enhanced !== undefined && enhanced !== null) {
    if (
      !isObject(enhanced) ||
      ![enhanced.class, enhanced.subject, enhanced.detail].every((n) => typeof n === "number")
    ) {
      return fail("response.enhanced_code must be null or {class, subject, detail} numbers");
    }
  }
  if (!isObject(value.meta)) return fail("meta must be an object");
  if (!isObject(value.headers)) return fail("headers must be an object");
  const peer = value.peer_address;
  if (peer !== undefined && peer !== null && (!isObject(peer) || typeof peer.name !== "string"))
    return fail("peer_address must be null or {name, addr}");
  const feedback = value.feedback_report;
  if (feedback !== undefined && feedback !== null && !isObject(feedback))
    return fail("feedback_report must be null or an object");
  return { ok: true, record: value as unknown as KumoLogRecord };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** "5.1.1", when the response has an enhanced code. */
export function formatEnhancedCode(response: KumoResponse): string | undefined {
  const e = response.enhanced_code;
  return e ? `${e.class}.${e.subject}.${e.detail}` : undefined;
}

/** "550 5.1.1" style: the code and, when present, the enhanced code. */
export function formatResponseCode(response: KumoResponse): string {
  const enhanced = formatEnhancedCode(response);
  return enhanced ? `${response.code} ${enhanced}` : String(response.code);
}

import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import type { ProviderReport, WebhookReply, WebhookRequest } from "../../router/adapter.js";
import { BoundedMap } from "./bounded-map.js";
import { parseLogHookBody, type KumoLogRecord, type ParsedRecord } from "./log-record.js";
import { hermesIdOf, reportOf, type CorrelationFields } from "./record-mapper.js";

export interface LogHookReceiverOptions {
  /** Shared secret KumoMTA's hook sends; compared in constant time. */
  readonly secret: string;
  /** Header that carries it (case-insensitive). */
  readonly secretHeader: string;
  readonly correlation: CorrelationFields;
  /** How many record keys are remembered for redelivery detection. */
  readonly dedupeCapacity: number;
}

/** What the receiver needs from its adapter. */
export interface LogHookSink {
  report(report: ProviderReport): Promise<void>;
  /** Whether Hermes already recorded SUBMITTED for the message (waits for a send in flight). */
  wasSubmitted(hermesId: string): Promise<boolean>;
  /** KumoMTA has the message under this spool id. */
  received(hermesId: string, spoolId: string): void;
}

interface Outcome {
  accepted: number;
  duplicates: number;
  failed: string[];
}

/**
 * The endpoint of a KumoMTA log hook (POST /webhooks/<route>): authenticates
 * the hook, reads one record, a JSON array or newline-delimited records, and
 * records each as a Hermes event.
 *
 * Malformed records: every valid record of the body is recorded first, then
 * the request is answered 400 naming the malformed ones. A malformed record
 * never becomes valid by sending it again, so a 4xx is the honest answer,
 * and KumoMTA's stock `log_hooks:new_json` turns any non-2xx into a
 * permanent failure of that hook message (visible in KumoMTA's own logs)
 * rather than retrying forever. A hook that does retry 4xx loses nothing:
 * redelivery is idempotent.
 *
 * Idempotency: KumoMTA retries a hook message until it gets a 2xx, so the
 * same record may arrive twice. Each record has a key (type, spool id,
 * recipient, timestamp, attempt, response); a key seen recently is
 * acknowledged and skipped. A record whose event could not be stored is
 * forgotten again and answered 503, so the retry records it.
 */
export class LogHookReceiver {
  readonly #options: LogHookReceiverOptions;
  readonly #sink: LogHookSink;
  readonly #log: Logger;
  readonly #seen: BoundedMap<string, true>;
  readonly #secretDigest: Buffer;

  constructor(options: LogHookReceiverOptions, sink: LogHookSink, log: Logger) {
    this.#options = options;
    this.#sink = sink;
    this.#log = log;
    this.#seen = new BoundedMap(options.dedupeCapacity);
    this.#secretDigest = digest(options.secret);
  }

  async handle(request: WebhookRequest): Promise<WebhookReply> {
    if (request.method !== "POST")
      return reply(405, { error: "use POST: KumoMTA log hooks POST their records" });
    if (!this.#authenticated(request)) {
      return reply(401, {
        error: `missing or wrong ${this.#options.secretHeader} header: set it in the KumoMTA log hook to the route's webhook.secret`,
      });
    }
    let parsed: ParsedRecord[];
    try {
      parsed = parseLogHookBody(Buffer.from(request.body).toString("utf8"));
    } catch (reason) {
      return reply(400, { error: (reason as Error).message });
    }
    const records = parsed
      .filter((p): p is Extract<ParsedRecord, { ok: true }> => p.ok)
      .map((p) => p.record);
    const malformed = parsed.filter((p): p is Extract<ParsedRecord, { ok: false }> => !p.ok);
    const outcome = await this.#ingest(records);
    if (malformed.length > 0) {
      this.#log.warn(
        { malformed: malformed.map((m) => m.reason) },
        "KumoMTA log hook sent malformed records",
      );
      return reply(400, {
        error: `${malformed.length} of ${parsed.length} records are malformed; the valid ones were recorded`,
        rejected: malformed.map((m) => ({ index: m.index, reason: m.reason })),
        accepted: outcome.accepted,
        duplicates: outcome.duplicates,
      });
    }
    if (outcome.failed.length > 0) {
      return reply(503, {
        error: `could not record ${outcome.failed.length} records; send them again`,
        reasons: outcome.failed.slice(0, 5),
      });
    }
    return reply(200, { accepted: outcome.accepted, duplicates: outcome.duplicates });
  }

  #authenticated(request: WebhookRequest): boolean {
    const raw = request.headers[this.#options.secretHeader.toLowerCase()];
    const presented = Array.isArray(raw) ? raw[0] : raw;
    if (presented === undefined) return false;
    // Digests make both sides one length, so the comparison time says nothing about the secret.
    return timingSafeEqual(digest(presented), this.#secretDigest);
  }

  /**
   * Records a message's records in their order (Reception before Delivery),
   * different messages concurrently, so one slow correlation does not hold
   * up the rest of a batch.
   */
  async #ingest(records: readonly KumoLogRecord[]): Promise<Outcome> {
    const outcome: Outcome = { accepted: 0, duplicates: 0, failed: [] };
    const chains = new Map<string, KumoLogRecord[]>();
    for (const record of records) {
      const key = hermesIdOf(record, this.#options.correlation) ?? record.id;
      const chain = chains.get(key) ?? [];
      chain.push(record);
      chains.set(key, chain);
    }
    await Promise.all(
      [...chains.values()].map(async (chain) => {
        for (const record of chain) await this.#ingestOne(record, outcome);
      }),
    );
    return outcome;
  }

  async #ingestOne(record: KumoLogRecord, outcome: Outcome): Promise<void> {
    const key = recordKey(record);
    if (this.#seen.has(key)) {
      outcome.duplicates++;
      return;
    }
    this.#seen.set(key, true);
    try {
      const hermesId = hermesIdOf(record, this.#options.correlation);
      let alreadySubmitted = false;
      if (hermesId && record.type === "Reception") {
        this.#sink.received(hermesId, record.id);
        alreadySubmitted = await this.#sink.wasSubmitted(hermesId);
      }
      const report = reportOf(record, alreadySubmitted, key);
      await this.#sink.report({ ...report, messageId: hermesId, providerMessageId: record.id });
      outcome.accepted++;
    } catch (reason) {
      this.#seen.delete(key);
      outcome.failed.push(`${record.type} ${record.id}: ${(reason as Error).message}`);
      this.#log.error(
        { err: reason, kumoId: record.id, type: record.type },
        "recording a KumoMTA log record failed",
      );
    }
  }
}

/** What makes a record itself: a redelivery has the same key, the next attempt does not. */
export function recordKey(record: KumoLogRecord): string {
  const identity = [
    record.type,
    record.id,
    record.recipient,
    record.timestamp,
    record.num_attempts,
    record.response.code,
    record.response.content,
    record.feedback_report?.feedback_type ?? "",
  ];
  return createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 32);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function reply(status: number, body: unknown): WebhookReply {
  return { status, contentType: "application/json", body: `${JSON.stringify(body)}\n` };
}

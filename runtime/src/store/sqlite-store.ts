import type Database from "better-sqlite3";
import { openDatabase } from "./open-database.js";
import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  DeliveryEventKind,
  DeliveryEventSchema,
  MessageSchema,
  type DeliveryEvent,
  type Message,
} from "../gen/hermes/v1/message_pb.js";
import { ErrorSchema } from "../gen/hermes/v1/error_pb.js";
import { migrations } from "./schema.js";
import {
  isTerminal,
  matchesFilter,
  type AcceptResult,
  type EventFilter,
  type MessageStore,
  type Transition,
} from "./message-store.js";

export interface SqliteStoreOptions {
  /** Database file; ":memory:" for tests that need no durability. */
  readonly path: string;
  /**
   * SQLite's synchronous pragma. FULL (default) fsyncs every commit, so an
   * accepted message survives power loss; NORMAL survives a process crash.
   */
  readonly synchronous?: "FULL" | "NORMAL";
}

interface MessageRow {
  id: string;
  status: number;
  route: string;
  attempts: number;
  updated_at: number;
  provider_message_id: string;
  error: Buffer | null;
  body: Buffer;
}

/**
 * The embedded store: SQLite in WAL mode. Writes made in the same turn of the
 * event loop are committed together (group commit), so one fsync serves many
 * concurrent Sends; each write's promise resolves after its commit.
 */
export class SqliteStore implements MessageStore {
  readonly #db: Database.Database;
  readonly #statements;
  #pending: Array<{
    run: () => unknown;
    resolve: (value: unknown) => void;
    reject: (reason: unknown) => void;
  }> = [];
  #flushScheduled = false;

  constructor(options: SqliteStoreOptions) {
    this.#db = openDatabase(options.path, options.synchronous);
    this.#migrate();
    const db = this.#db;
    this.#statements = {
      insertMessage: db.prepare(
        `INSERT INTO messages (id, tenant, channel, route, status, priority, attempts, expires_at, created_at, updated_at, idempotency_key, error, body)
         VALUES (@id, @tenant, @channel, @route, @status, @priority, 0, @expires_at, @created_at, @created_at, @idempotency_key, @error, @body)`,
      ),
      byIdempotency: db.prepare("SELECT * FROM messages WHERE tenant = ? AND idempotency_key = ?"),
      byId: db.prepare("SELECT * FROM messages WHERE id = ?"),
      insertEvent: db.prepare(
        "INSERT INTO events (message_id, tenant, channel, body) VALUES (?, ?, ?, ?)",
      ),
      history: db.prepare(
        "SELECT sequence, body FROM events WHERE message_id = ? ORDER BY sequence",
      ),
      eventsAfter: db.prepare(
        "SELECT sequence, body FROM events WHERE tenant = ? AND sequence > ? ORDER BY sequence LIMIT ?",
      ),
      update: db.prepare(
        `UPDATE messages SET status = @status, attempts = @attempts, route = @route, provider_message_id = @provider_message_id,
           next_attempt_at = @next_attempt_at, error = @error, updated_at = @updated_at WHERE id = @id`,
      ),
      correlate: db.prepare(
        "INSERT OR REPLACE INTO correlations (route, provider_id, message_id, expires_at) VALUES (?, ?, ?, ?)",
      ),
      resolve: db.prepare(
        "SELECT message_id FROM correlations WHERE route = ? AND provider_id = ? AND expires_at > ?",
      ),
      unfinished: db.prepare("SELECT * FROM messages WHERE status BETWEEN 1 AND 3 ORDER BY id"),
      expired: db.prepare(
        "SELECT id FROM messages WHERE status BETWEEN 1 AND 3 AND expires_at < ?",
      ),
      purge: db.prepare("DELETE FROM correlations WHERE expires_at <= ?"),
    };
  }

  #migrate(): void {
    const version = this.#db.pragma("user_version", { simple: true }) as number;
    for (let i = version; i < migrations.length; i++) {
      this.#db.transaction(() => {
        this.#db.exec(migrations[i]);
        this.#db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  /** Queues a write for the next group commit. */
  #write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    const results: unknown[] = [];
    try {
      this.#db.transaction(() => {
        for (const write of batch) results.push(write.run());
      })();
    } catch {
      // One bad write must not fail its neighbours: retry each on its own.
      for (const write of batch) {
        try {
          write.resolve(this.#db.transaction(write.run)());
        } catch (reason) {
          write.reject(reason);
        }
      }
      return;
    }
    for (const [i, write] of batch.entries()) write.resolve(results[i]);
  }

  accept(messages: readonly Message[]): Promise<AcceptResult[]> {
    return this.#write(() => messages.map((message) => this.#acceptOne(message)));
  }

  #acceptOne(message: Message): AcceptResult {
    if (message.idempotencyKey) {
      const row = this.#statements.byIdempotency.get(message.tenant, message.idempotencyKey) as
        | MessageRow
        | undefined;
      if (row) return { message: this.#toMessage(row), duplicate: true };
    }
    const created = message.createdAt ? timestampDate(message.createdAt).getTime() : Date.now();
    this.#statements.insertMessage.run({
      id: message.id,
      tenant: message.tenant,
      channel: message.channel,
      route: message.route,
      status: message.status,
      priority: message.priority,
      expires_at: message.expiresAt
        ? timestampDate(message.expiresAt).getTime()
        : Number.MAX_SAFE_INTEGER,
      created_at: created,
      idempotency_key: message.idempotencyKey || null,
      error: message.error ? Buffer.from(toBinary(ErrorSchema, message.error)) : null,
      body: Buffer.from(toBinary(MessageSchema, message)),
    });
    const event = this.#appendEvent(message, {
      kind: DeliveryEventKind.STATUS,
      status: message.status,
      error: message.error,
      time: new Date(created),
    });
    return { message, duplicate: false, event };
  }

  #appendEvent(message: Message, init: Transition["event"]): DeliveryEvent {
    const event = create(DeliveryEventSchema, {
      messageId: message.id,
      tenant: message.tenant,
      channel: message.channel,
      kind: init.kind ?? DeliveryEventKind.STATUS,
      status: init.status ?? message.status,
      time: timestampFromDate(init.time ?? new Date()),
      detail: init.detail ?? {},
      error: init.error,
      providerMessageId: init.providerMessageId ?? message.providerMessageId,
      from: init.from,
      to: init.to,
      text: init.text ?? "",
    });
    const info = this.#statements.insertEvent.run(
      message.id,
      message.tenant,
      message.channel,
      Buffer.from(toBinary(DeliveryEventSchema, event)),
    );
    event.sequence = BigInt(info.lastInsertRowid);
    return event;
  }

  get(id: string, tenant?: string): Message | undefined {
    const row = this.#statements.byId.get(id) as (MessageRow & { tenant: string }) | undefined;
    if (!row || (tenant !== undefined && row.tenant !== tenant)) return undefined;
    return this.#toMessage(row);
  }

  #toMessage(row: MessageRow): Message {
    const message = fromBinary(MessageSchema, row.body);
    message.status = row.status;
    message.route = row.route;
    message.attempts = row.attempts;
    message.providerMessageId = row.provider_message_id;
    message.updatedAt = timestampFromDate(new Date(row.updated_at));
    message.error = row.error ? fromBinary(ErrorSchema, row.error) : undefined;
    return message;
  }

  history(id: string): DeliveryEvent[] {
    return (this.#statements.history.all(id) as Array<{ sequence: number; body: Buffer }>).map(
      toEvent,
    );
  }

  eventsAfter(sequence: bigint, filter: EventFilter, limit: number): DeliveryEvent[] {
    const found: DeliveryEvent[] = [];
    let after = sequence;
    while (found.length < limit) {
      const rows = this.#statements.eventsAfter.all(filter.tenant, after, limit) as Array<{
        sequence: number;
        body: Buffer;
      }>;
      if (rows.length === 0) break;
      for (const event of rows.map(toEvent))
        if (matchesFilter(event, filter) && found.length < limit) found.push(event);
      after = BigInt(rows[rows.length - 1].sequence);
    }
    return found;
  }

  transition(id: string, change: Transition): Promise<DeliveryEvent | undefined> {
    return this.#write(() => {
      const row = this.#statements.byId.get(id) as MessageRow | undefined;
      if (!row) return undefined;
      const message = this.#toMessage(row);
      const final = isTerminal(message.status);
      const status = final ? message.status : (change.event.status ?? message.status);
      const error = final
        ? message.error
        : (change.event.error ?? (status === message.status ? message.error : undefined));
      if (!final) {
        message.status = status;
        message.attempts = change.attempts ?? message.attempts;
        message.route = change.route ?? message.route;
        message.providerMessageId = change.providerMessageId ?? message.providerMessageId;
        message.error = error;
        this.#statements.update.run({
          id,
          status,
          attempts: message.attempts,
          route: message.route,
          provider_message_id: message.providerMessageId,
          next_attempt_at: change.nextAttemptAt?.getTime() ?? 0,
          error: error ? Buffer.from(toBinary(ErrorSchema, error)) : null,
          updated_at: Date.now(),
        });
      }
      // A late report on a finished message is history, not a status change.
      const kind =
        final && change.event.status !== undefined && change.event.kind === DeliveryEventKind.STATUS
          ? DeliveryEventKind.PROGRESS
          : change.event.kind;
      return this.#appendEvent(message, {
        ...change.event,
        kind,
        status,
        error: change.event.error,
      });
    });
  }

  record(event: DeliveryEvent): Promise<DeliveryEvent> {
    return this.#write(() => {
      const stored = clone(DeliveryEventSchema, event);
      stored.sequence = 0n;
      const info = this.#statements.insertEvent.run(
        stored.messageId,
        stored.tenant,
        stored.channel,
        Buffer.from(toBinary(DeliveryEventSchema, stored)),
      );
      stored.sequence = BigInt(info.lastInsertRowid);
      return stored;
    });
  }

  correlate(
    route: string,
    providerIds: readonly string[],
    messageId: string,
    ttlMs: number,
  ): Promise<void> {
    const expiresAt = Date.now() + ttlMs;
    return this.#write(() => {
      for (const providerId of providerIds)
        this.#statements.correlate.run(route, providerId, messageId, expiresAt);
    });
  }

  resolve(route: string, providerId: string): string | undefined {
    const row = this.#statements.resolve.get(route, providerId, Date.now()) as
      | { message_id: string }
      | undefined;
    return row?.message_id;
  }

  unfinished(): Message[] {
    return (this.#statements.unfinished.all() as MessageRow[]).map((row) => this.#toMessage(row));
  }

  expiredBefore(now: Date): string[] {
    return (this.#statements.expired.all(now.getTime()) as Array<{ id: string }>).map((r) => r.id);
  }

  purgeCorrelations(now: Date): Promise<number> {
    return this.#write(() => this.#statements.purge.run(now.getTime()).changes);
  }

  close(): void {
    if (this.#pending.length > 0) this.#flush();
    this.#db.close();
  }
}

function toEvent(row: { sequence: number; body: Buffer }): DeliveryEvent {
  const event = fromBinary(DeliveryEventSchema, row.body);
  event.sequence = BigInt(row.sequence);
  return event;
}

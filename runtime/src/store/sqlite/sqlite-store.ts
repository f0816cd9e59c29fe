import type Database from "better-sqlite3";
import { fromBinary } from "@bufbuild/protobuf";
import { type Message, MessageSchema } from "../../gen/hermes/v1/message_pb.js";
import { canonicalAddress, recipientOf } from "../../router/receipt-matching.js";
import type { EventInit, EventRecord, EventRecordInit } from "../event-record.js";
import type {
  AcceptResult,
  Correlation,
  CorrelationCandidate,
  EventFilter,
  MessageQuery,
  MessageStore,
  NewMessage,
  Transition,
  TransitionOutcome,
  UnfinishedMessage,
} from "../message-store.js";
import {
  acceptedEvent,
  applyTransition,
  initialState,
  isTerminal,
  matchesFilter,
  type MessageState,
  overlayState,
  unattachedEvent,
} from "../message-state.js";
import { openDatabase } from "../open-database.js";
import { GroupCommit } from "./group-commit.js";
import {
  type EventRow,
  errorJson,
  eventExtra,
  eventOfRow,
  type StateRow,
  stateOfRow,
} from "./rows.js";
import { migrate } from "./schema.js";
import { SqliteCascades } from "./sqlite-cascades.js";
import { SqliteSuppressions } from "./sqlite-suppressions.js";

export interface SqliteStoreOptions {
  /** Database file; ":memory:" for tests that need no durability. */
  readonly path: string;
  /**
   * SQLite's synchronous pragma. FULL (default) fsyncs every commit, so an
   * accepted message survives power loss; NORMAL survives a process crash.
   */
  readonly synchronous?: "FULL" | "NORMAL";
}

/** An unfinished message in memory: where its row is, and its state. */
interface LiveMessage {
  readonly seq: number;
  state: MessageState;
}

const stateColumns = `seq, id, tenant, channel, route, status, attempts, started, provider_message_id, error,
  created_at, updated_at, expires_at, next_attempt_at`;
const eventColumns = "seq, message_id, tenant, channel, kind, status, time, provider_id, extra";
const purgeChunk = 1000;

/**
 * The embedded store: SQLite in WAL mode, written as a write-ahead record of
 * what happened. The states of unfinished messages are kept in memory (loaded
 * when the store opens), so a transition reads nothing: it applies the rules
 * to the cached state, updates the message's state columns in place and
 * appends one compact event row. Writes of one event-loop turn share one
 * commit (group commit); each resolves once its commit is on disk.
 */
export class SqliteStore implements MessageStore {
  readonly #db: Database.Database;
  readonly #commit: GroupCommit;
  readonly #s;
  /**
   * Every message that is not terminal, by id: its row and its state as its last transition left
   * it.
   */
  readonly #live = new Map<string, LiveMessage>();
  /** The tenants' suppression lists, in the same file and commits. */
  readonly suppressions: SqliteSuppressions;
  /** Cascades, in the same file and commits. */
  readonly cascades: SqliteCascades;

  constructor(options: SqliteStoreOptions) {
    this.#db = openDatabase(options.path, options.synchronous);
    migrate(this.#db);
    this.#commit = new GroupCommit(this.#db);
    this.suppressions = new SqliteSuppressions(this.#db, this.#commit);
    this.cascades = new SqliteCascades(this.#db, this.#commit);
    const db = this.#db;
    this.#s = {
      insertMessage: db.prepare(
        `INSERT INTO messages (id, tenant, channel, route, status, attempts, started, next_attempt_at,
           expires_at, created_at, updated_at, provider_message_id, idempotency_key, error, done, body,
           recipient)
         VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, '', ?, ?, ?, ?, ?)`,
      ),
      byIdempotency: db.prepare(
        `SELECT ${stateColumns}, body FROM messages WHERE tenant = ? AND idempotency_key = ?`,
      ),
      state: db.prepare(`SELECT ${stateColumns} FROM messages WHERE id = ?`),
      message: db.prepare(`SELECT ${stateColumns}, body FROM messages WHERE id = ?`),
      update: db.prepare(
        `UPDATE messages SET status = ?, attempts = ?, started = ?, route = ?, provider_message_id = ?,
           error = ?, next_attempt_at = ?, updated_at = ?, done = ? WHERE seq = ?`,
      ),
      // An attempt's intent changes one column: the cheapest write of the hot path.
      start: db.prepare("UPDATE messages SET started = ?, updated_at = ? WHERE seq = ?"),
      insertEvent: db.prepare(
        `INSERT INTO events (message_id, tenant, channel, kind, status, time, provider_id, extra)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      history: db.prepare(`SELECT ${eventColumns} FROM events WHERE message_id = ? ORDER BY seq`),
      eventsAfter: db.prepare(
        `SELECT ${eventColumns} FROM events WHERE seq > ? AND tenant = ? ORDER BY seq LIMIT ?`,
      ),
      correlate: db.prepare(
        `INSERT INTO correlations (route, provider_id, message_id, address, at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      correlations: db.prepare(
        `SELECT message_id, address, at FROM correlations
         WHERE route = ? AND provider_id = ? AND expires_at > ? ORDER BY seq DESC`,
      ),
      purge: db.prepare(
        `DELETE FROM correlations WHERE seq IN
           (SELECT seq FROM correlations WHERE expires_at <= ? ORDER BY seq LIMIT ${purgeChunk})`,
      ),
      unfinishedStates: db.prepare(`SELECT ${stateColumns} FROM messages WHERE done = 0`),
      unfinishedBodies: db.prepare("SELECT id, body FROM messages WHERE done = 0 ORDER BY seq"),
      byRecipient: db.prepare(
        `SELECT ${stateColumns}, body FROM messages WHERE tenant = ? AND recipient = ?
         ORDER BY seq DESC LIMIT ?`,
      ),
      // The routes a provider id may be on, walked through correlations_id
      // (route, provider_id) one distinct route at a time: a lookup per route,
      // not a scan of the table, and no index of its own to keep. CROSS JOIN
      // keeps that order whatever the planner's statistics say.
      byProviderId: db.prepare(
        `WITH RECURSIVE routes(route) AS (
           SELECT (SELECT route FROM correlations ORDER BY route LIMIT 1)
           UNION ALL
           SELECT (SELECT route FROM correlations WHERE route > routes.route ORDER BY route LIMIT 1)
             FROM routes WHERE routes.route IS NOT NULL
         )
         SELECT ${prefixed("m", stateColumns)}, m.body
           FROM routes CROSS JOIN correlations c CROSS JOIN messages m
         WHERE c.route = routes.route AND c.provider_id = ? AND m.id = c.message_id AND m.tenant = ?
         GROUP BY m.id ORDER BY MAX(c.seq) DESC LIMIT ?`,
      ),
      expired: db.prepare(
        "SELECT id FROM messages WHERE done = 0 AND expires_at < ? ORDER BY expires_at LIMIT ?",
      ),
    };
    for (const row of this.#s.unfinishedStates.all() as Array<StateRow & { seq: number }>) {
      this.#live.set(row.id, { seq: row.seq, state: stateOfRow(row) });
    }
  }

  accept(news: readonly NewMessage[]): Promise<AcceptResult[]> {
    return this.#commit
      .write(() => news.map((item) => this.#acceptOne(item)))
      .then((results) => {
        for (const { live } of results) {
          if (live && !isTerminal(live.state.status)) this.#live.set(live.state.id, live);
        }
        return results.map(({ result }) => result);
      });
  }

  #acceptOne({ message, body, detail }: NewMessage): { result: AcceptResult; live?: LiveMessage } {
    if (message.idempotencyKey) {
      const row = this.#s.byIdempotency.get(message.tenant, message.idempotencyKey) as
        | (StateRow & { body: Uint8Array })
        | undefined;
      if (row) return { result: { message: this.#messageOfRow(row), duplicate: true } };
    }
    const state = initialState(message, Date.now());
    const info = this.#s.insertMessage.run(
      state.id,
      state.tenant,
      state.channel,
      state.route,
      state.status,
      state.nextAttemptAt,
      state.expiresAt,
      state.createdAt,
      state.updatedAt,
      message.idempotencyKey || null,
      errorJson(state.error),
      isTerminal(state.status) ? 1 : 0,
      body,
      recipientOf(message),
    );
    const event = this.#appendEvent(acceptedEvent(state, detail));
    return {
      result: { message, duplicate: false, event },
      live: { seq: Number(info.lastInsertRowid), state },
    };
  }

  transition(id: string, change: Transition): Promise<TransitionOutcome | undefined> {
    const live = this.#live.get(id) ?? this.#stored(id);
    if (!live) return Promise.resolve(undefined);
    const state = live.state;
    const { state: next, event } = applyTransition(state, change, Date.now());
    if (isTerminal(next.status)) this.#live.delete(id);
    else if (next !== state) this.#live.set(id, { seq: live.seq, state: next });
    const intentOnly = !event && isIntentOnly(change);
    return this.#commit.write(
      (): TransitionOutcome => {
        if (intentOnly) this.#s.start.run(next.started, next.updatedAt, live.seq);
        else if (next !== state) this.#writeState(live.seq, next);
        return { state: next, event: event && this.#appendEvent(event), previous: state.status };
      },
      // The cache ran ahead of a write that failed: read the state from disk next time.
      () => this.#live.delete(id),
    );
  }

  #stored(id: string): LiveMessage | undefined {
    const row = this.#s.state.get(id) as (StateRow & { seq: number }) | undefined;
    return row && { seq: row.seq, state: stateOfRow(row) };
  }

  #writeState(seq: number, state: MessageState): void {
    this.#s.update.run(
      state.status,
      state.attempts,
      state.started,
      state.route,
      state.providerMessageId,
      errorJson(state.error),
      state.nextAttemptAt,
      state.updatedAt,
      isTerminal(state.status) ? 1 : 0,
      seq,
    );
  }

  #appendEvent(event: EventRecordInit): EventRecord {
    const info = this.#s.insertEvent.run(
      event.messageId,
      event.tenant,
      event.channel,
      event.kind,
      event.status,
      event.time,
      event.providerMessageId,
      eventExtra(event),
    );
    // The event was built for this write alone: it becomes the record, not a copy of it.
    return Object.assign(event, { sequence: Number(info.lastInsertRowid) });
  }

  record(init: EventInit): Promise<EventRecord> {
    const event = unattachedEvent(init, Date.now());
    return this.#commit.write(() => this.#appendEvent(event));
  }

  async get(id: string, tenant?: string): Promise<Message | undefined> {
    const row = this.#s.message.get(id) as (StateRow & { body: Uint8Array }) | undefined;
    if (!row || (tenant !== undefined && row.tenant !== tenant)) return undefined;
    return this.#messageOfRow(row);
  }

  /** A stored message: its body with its state on top (the cached one when newer than the row). */
  #messageOfRow(row: StateRow & { body: Uint8Array }): Message {
    return overlayState(
      fromBinary(MessageSchema, row.body),
      this.#live.get(row.id)?.state ?? stateOfRow(row),
    );
  }

  async history(id: string): Promise<EventRecord[]> {
    return (this.#s.history.all(id) as EventRow[]).map(eventOfRow);
  }

  async eventsAfter(sequence: number, filter: EventFilter, limit: number): Promise<EventRecord[]> {
    const found: EventRecord[] = [];
    let after = sequence;
    while (found.length < limit) {
      const rows = this.#s.eventsAfter.all(after, filter.tenant, limit) as EventRow[];
      for (const row of rows) {
        const event = eventOfRow(row);
        if (matchesFilter(event, filter) && found.length < limit) found.push(event);
      }
      if (rows.length < limit) break;
      after = rows[rows.length - 1]!.seq;
    }
    return found;
  }

  correlate(route: string, entries: readonly Correlation[], expiresAt: number): Promise<void> {
    const at = Date.now();
    return this.#commit.write(() => {
      for (const entry of entries) {
        this.#s.correlate.run(
          route,
          entry.providerId,
          entry.messageId,
          entry.address,
          at,
          expiresAt,
        );
      }
    });
  }

  async correlations(
    route: string,
    providerId: string,
    now: number,
  ): Promise<CorrelationCandidate[]> {
    const rows = this.#s.correlations.all(route, providerId, now) as Array<{
      message_id: string;
      address: string;
      at: number;
    }>;
    return rows.map((row) => ({
      messageId: row.message_id,
      address: row.address,
      correlatedAt: row.at,
      waiting: this.#live.has(row.message_id),
    }));
  }

  purgeCorrelations(now: number): Promise<number> {
    // In chunks, one per commit, so a large purge never holds the event loop for long.
    const chunk = (purged: number): Promise<number> =>
      this.#commit
        .write(() => this.#s.purge.run(now).changes)
        .then((changes) => (changes === purgeChunk ? chunk(purged + changes) : purged + changes));
    return chunk(0);
  }

  async find(query: MessageQuery, limit: number): Promise<Message[]> {
    const rows = (
      "recipient" in query
        ? this.#s.byRecipient.all(query.tenant, canonicalAddress(query.recipient), limit)
        : this.#s.byProviderId.all(query.providerMessageId, query.tenant, limit)
    ) as Array<StateRow & { body: Uint8Array }>;
    return rows.map((row) => this.#messageOfRow(row));
  }

  async unfinished(): Promise<UnfinishedMessage[]> {
    const rows = this.#s.unfinishedBodies.all() as Array<{ id: string; body: Uint8Array }>;
    return rows.flatMap((row) => {
      const state = this.#live.get(row.id)?.state;
      return state
        ? [{ message: overlayState(fromBinary(MessageSchema, row.body), state), state }]
        : [];
    });
  }

  async expiredBefore(now: number, limit: number): Promise<string[]> {
    const rows = this.#s.expired.all(now, limit) as Array<{ id: string }>;
    return rows.map((row) => row.id).filter((id) => this.#live.has(id));
  }

  async close(): Promise<void> {
    this.#commit.flush();
    this.#db.close();
  }
}

/** Columns as a join names them: "a, b" → "m.a, m.b". */
function prefixed(table: string, columns: string): string {
  return columns
    .split(",")
    .map((column) => `${table}.${column.trim()}`)
    .join(", ");
}

/** A change that only records an attempt's intent: no event, nothing but `started`. */
function isIntentOnly(change: Transition): boolean {
  return (
    change.started !== undefined &&
    change.attempts === undefined &&
    change.route === undefined &&
    change.providerMessageId === undefined &&
    change.nextAttemptAt === undefined
  );
}

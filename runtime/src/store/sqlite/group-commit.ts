import type Database from "better-sqlite3";

interface PendingWrite {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  readonly failed: ((reason: unknown) => void) | undefined;
}

/**
 * Group commit: writes queued in one turn of the event loop run in one
 * transaction when the turn ends, so one fsync serves every write of the
 * turn. Each write's promise settles after the commit. A write that throws
 * does not fail its neighbours: the batch is run again one write per
 * transaction, and only the failing writes reject.
 */
export class GroupCommit {
  readonly #db: Database.Database;
  #pending: PendingWrite[] = [];
  #scheduled = false;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /**
   * Queues `run` (synchronous statements) for the next commit; resolves with
   * its result once durable. `failed` hears of a write that did not commit
   * before its promise rejects (what the caller had assumed can be undone).
   */
  write<T>(run: () => T, failed?: (reason: unknown) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, resolve: resolve as (value: unknown) => void, reject, failed });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (close() calls it so nothing queued is lost). */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const results = new Array<unknown>(batch.length);
    try {
      this.#db.transaction(() => {
        for (let i = 0; i < batch.length; i++) results[i] = batch[i]!.run();
      })();
    } catch {
      for (const write of batch) {
        try {
          write.resolve(this.#db.transaction(write.run)());
        } catch (reason) {
          write.failed?.(reason);
          write.reject(reason);
        }
      }
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]);
  }
}

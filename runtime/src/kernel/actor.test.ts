import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode, type HermesError } from "../errors/hermes-error.js";
import { Actor, type DownMessage, type ExitMessage } from "./actor.js";
import { link, monitor } from "./links.js";
import type { Priority } from "./mailbox.js";
import type { ExitReason } from "./process.js";
import { delay, Journal, TestWorker } from "./testing/fixtures.js";

/** Handles casts only once `open()` is called, so tests can fill its mailbox first. */
class Gated extends Actor<"wait", string, string, string> {
  readonly handled: string[] = [];
  readonly infos: (string | ExitMessage | DownMessage)[] = [];
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => (this.#open = resolve));
  active = 0;
  maxActive = 0;

  open(): void {
    this.#open();
  }

  trap(): void {
    this.trapExits = true;
  }

  watch(target: TestWorker): void {
    this.monitor(target);
  }

  later(ms: number, msg: string): void {
    this.sendAfter(ms, msg);
  }

  protected override async handleCall(): Promise<string> {
    await this.#gate;
    return "opened";
  }

  protected override async handleCast(msg: string): Promise<void> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    await delay(1);
    this.handled.push(msg);
    this.active--;
  }

  protected override handleInfo(msg: string | ExitMessage | DownMessage): void {
    this.infos.push(msg);
  }
}

describe("Actor", () => {
  it("replies to calls and handles one message at a time", async () => {
    const actor = await new Gated().start();
    actor.open();
    for (let i = 0; i < 5; i++) actor.cast(`m${i}`);
    assert.equal(actor.mailboxDepth(), 5);
    assert.equal(await actor.call("wait"), "opened");
    assert.deepEqual(actor.handled, ["m0", "m1", "m2", "m3", "m4"]);
    assert.equal(actor.maxActive, 1);
    await actor.stop();
    assert.equal(actor.state, "stopped");
  });

  it("serves the priority classes strictly in order", async () => {
    const actor = await new Gated().start();
    const blocked = actor.call("wait", { timeoutMs: Infinity });
    await delay(0); // the call is now being handled
    const order: Priority[] = [
      "log",
      "main",
      "system",
      "urgent",
      "log",
      "main",
      "system",
      "urgent",
    ];
    for (const [i, priority] of order.entries()) actor.cast(`${priority}${i}`, { priority });
    assert.deepEqual(actor.mailboxDetail(), {
      urgent: 2,
      system: 2,
      main: 2,
      log: 2,
      total: 8,
      dropped: 0,
    });
    actor.open();
    await blocked;
    await actor.call("wait", { priority: "log" }); // served after everything else
    assert.deepEqual(actor.handled, [
      "urgent3",
      "urgent7",
      "system2",
      "system6",
      "main1",
      "main5",
      "log0",
      "log4",
    ]);
    await actor.stop();
  });

  it("bounds the log class, dropping the oldest and rejecting a dropped call", async () => {
    const actor = await new Gated({ logCapacity: 3 }).start();
    const blocked = actor.call("wait");
    await delay(0);
    const droppedCall = actor.call("wait", { priority: "log" });
    for (const msg of ["a", "b", "c"]) actor.cast(msg, { priority: "log" });
    await assert.rejects(droppedCall, (e: HermesError) => e.code === ErrorCode.THROTTLED);
    assert.equal(actor.mailboxDetail().dropped, 1);
    actor.open();
    await blocked;
    await actor.call("wait", { priority: "log" });
    assert.deepEqual(actor.handled, ["a", "b", "c"]);
    await actor.stop();
  });

  it("turns a throwing handler into an exit: terminate runs, callers are rejected", async () => {
    const journal = new Journal();
    const worker = await new TestWorker("w", journal).start();
    const waiting = worker.call({ sleepMs: 1 });
    const crashing = worker.call("crash");
    const queued = worker.call("ping");
    assert.equal(await waiting, "slept");
    await assert.rejects(crashing, /w exited \(w crashed\)/);
    await assert.rejects(queued, (e: HermesError) => e.code === ErrorCode.INTERNAL && e.retryable);
    const reason = await worker.exited;
    assert.ok(reason instanceof Error && reason.message === "w crashed");
    assert.equal(worker.state, "failed");
    assert.deepEqual(journal.entries, ["start:w", "stop:w"]);
    await assert.rejects(worker.call("ping"), /exited/);
  });

  it("times out a call without crashing the actor", async () => {
    const worker = await new TestWorker("slow", new Journal()).start();
    await assert.rejects(
      worker.call({ sleepMs: 50 }, { timeoutMs: 5 }),
      (e: HermesError) => e.code === ErrorCode.TIMEOUT,
    );
    assert.equal(await worker.call("ping"), "pong");
    await worker.stop();
  });

  it("fails a start whose init throws", async () => {
    class Broken extends Actor {
      protected override init(): void {
        throw new Error("no carrier");
      }
    }
    const actor = new Broken();
    await assert.rejects(actor.start(), /no carrier/);
    assert.equal(actor.alive, false);
  });

  it("exits from outside a handler with this.exit", async () => {
    const journal = new Journal();
    const worker = await new TestWorker("sock", journal).start();
    worker.fail("socket closed");
    const reason = await worker.exited;
    assert.equal((reason as Error).message, "socket closed");
    assert.deepEqual(journal.entries, ["start:sock", "stop:sock"]);
  });

  it("delivers sendAfter timers to handleInfo and cancels them on exit", async () => {
    const actor = await new Gated().start();
    actor.later(1, "tick");
    actor.later(5, "late");
    await delay(3);
    assert.deepEqual(actor.infos, ["tick"]);
    await actor.stop();
    await delay(10);
    assert.deepEqual(actor.infos, ["tick"]);
  });

  it("propagates crashes over links, but not normal exits", async () => {
    const journal = new Journal();
    const [a, b, c] = await Promise.all(
      ["a", "b", "c"].map((id) => new TestWorker(id, journal).start()),
    );
    link(a!, b!);
    link(b!, c!);
    a!.cast("normal_exit");
    assert.equal(await a!.exited, "normal");
    assert.equal(b!.alive, true);
    const d = await new TestWorker("d", journal).start();
    link(b!, d);
    d.cast("crash");
    const reason = await c!.exited;
    assert.equal((reason as Error).message, "d crashed");
    assert.equal(await b!.exited, reason);
    // Killed by a signal, without terminate: only d's own crash ran it.
    assert.deepEqual(
      journal.entries.filter((e) => e.startsWith("stop:")),
      ["stop:a", "stop:d"],
    );
  });

  it("delivers EXIT to a process trapping exits, and DOWN and monitor callbacks to watchers", async () => {
    const watcher = await new Gated().start();
    watcher.trap();
    const worker = await new TestWorker("t", new Journal()).start();
    link(watcher, worker);
    watcher.watch(worker);
    const seen: ExitReason[] = [];
    monitor(worker, (reason) => seen.push(reason));
    worker.cast("crash");
    await worker.exited;
    watcher.open();
    await watcher.call("wait");
    assert.equal(watcher.alive, true);
    assert.deepEqual(
      watcher.infos.map((m) => (typeof m === "string" ? m : m.type)),
      ["EXIT", "DOWN"],
    );
    assert.equal(seen.length, 1);
    await watcher.stop();
  });

  it("reports its state, depth and details in a snapshot", async () => {
    class Session extends Actor {
      protected override describe(): Record<string, string> {
        return { bind: "transceiver" };
      }
    }
    const session = await new Session({ name: "smpp:1" }).start();
    const snap = session.snapshot();
    assert.deepEqual(snap, {
      name: "smpp:1",
      kind: "worker",
      state: "running",
      restarts: 0,
      mailboxDepth: 0,
      children: [],
      detail: { bind: "transceiver" },
    });
    session.kill();
    assert.equal(session.snapshot().detail.exit_reason, "killed");
  });
});

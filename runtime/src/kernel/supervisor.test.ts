import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChildSpec } from "./child-spec.js";
import { Supervisor, type Strategy } from "./supervisor.js";
import { delay, Journal, seededRandom, TestWorker, workerSpec } from "./testing/fixtures.js";

/** Starts a supervisor of workers a, b, c. */
async function startABC(strategy: Strategy, journal: Journal, extra: Partial<ChildSpec> = {}) {
  const children = ["a", "b", "c"].map((id) => workerSpec(id, journal, extra));
  return Supervisor.start({
    name: strategy,
    strategy,
    intensity: 10,
    period: 10_000,
    children,
    logger: journal.logger(),
  });
}

const worker = (journal: Journal, id: string): TestWorker => journal.workers.get(id)!;

describe("Supervisor strategies", () => {
  it("one_for_one restarts only the child that failed", async () => {
    const journal = new Journal();
    const sup = await startABC("one_for_one", journal);
    const mark = journal.entries.length;
    worker(journal, "b").cast("crash");
    await journal.until("log:child restarted");
    assert.deepEqual(
      journal.since(mark).filter((e) => !e.startsWith("log:")),
      ["stop:b", "start:b"],
    );
    assert.deepEqual(
      sup.whichChildren().map((c) => [c.id, c.state]),
      [
        ["a", "running"],
        ["b", "running"],
        ["c", "running"],
      ],
    );
    assert.deepEqual(
      sup.snapshot().children.map((c) => c.restarts),
      [0, 1, 0],
    );
    await sup.stop();
  });

  it("one_for_all stops the others in reverse order and restarts all in order", async () => {
    const journal = new Journal();
    const sup = await startABC("one_for_all", journal);
    const mark = journal.entries.length;
    worker(journal, "b").cast("crash");
    await journal.until("start:c", 2);
    assert.deepEqual(
      journal.since(mark).filter((e) => !e.startsWith("log:")),
      ["stop:b", "stop:c", "stop:a", "start:a", "start:b", "start:c"],
    );
    await sup.stop();
  });

  it("rest_for_one restarts the failed child and those started after it", async () => {
    const journal = new Journal();
    const sup = await startABC("rest_for_one", journal);
    const mark = journal.entries.length;
    worker(journal, "b").cast("crash");
    await journal.until("start:c", 2);
    assert.deepEqual(
      journal.since(mark).filter((e) => !e.startsWith("log:")),
      ["stop:b", "stop:c", "start:b", "start:c"],
    );
    await sup.stop();
  });

  it("simple_one_for_one starts children from a template with arguments and forgets them when stopped", async () => {
    const journal = new Journal();
    const template: ChildSpec = {
      id: "session",
      restart: "transient",
      start: (carrier: string) => new TestWorker(carrier, journal).start(),
    };
    const sup = await Supervisor.start({
      name: "sessions",
      strategy: "simple_one_for_one",
      intensity: 5,
      children: [template],
      logger: journal.logger(),
    });
    const one = await sup.startChild(["carrier-1"]);
    await sup.startChild(["carrier-2"]);
    assert.deepEqual(
      sup.whichChildren().map((c) => c.id),
      ["session:1", "session:2"],
    );
    worker(journal, "carrier-1").cast("crash");
    await journal.until("log:child restarted");
    assert.equal(sup.countChildren().active, 2);
    worker(journal, "carrier-2").cast("normal_exit"); // transient: not restarted, forgotten
    await journal.until("log:child exited");
    await sup.terminateChild(sup.whichChildren()[0]!.process!);
    assert.deepEqual(sup.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
    assert.equal(one.alive, false);
    await assert.rejects(sup.startChild(workerSpec("x", journal)), /start arguments/);
    await assert.rejects(sup.restartChild("session:1"), /simple_one_for_one/);
    await sup.stop();
  });
});

describe("Supervisor restart types", () => {
  for (const [restart, normalRestarts, crashRestarts] of [
    ["permanent", true, true],
    ["transient", false, true],
    ["temporary", false, false],
  ] as const) {
    it(`${restart}: ${normalRestarts ? "" : "not "}after a normal exit, ${crashRestarts ? "" : "not "}after a crash`, async () => {
      const journal = new Journal();
      const sup = await Supervisor.start({
        name: restart,
        strategy: "one_for_one",
        intensity: 10,
        logger: journal.logger(),
      });
      await sup.startChild(workerSpec("n", journal, { restart }));
      await sup.startChild(workerSpec("c", journal, { restart }));
      worker(journal, "n").cast("normal_exit");
      worker(journal, "c").cast("crash");
      await journal.until("log:child exited");
      await journal.until("log:child terminated abnormally");
      await journal.until("log:child restarted", Number(normalRestarts) + Number(crashRestarts));
      const children = sup.whichChildren();
      if (restart === "temporary") assert.deepEqual(children, []);
      else
        assert.deepEqual(
          children.map((c) => [c.id, c.state]),
          [
            ["n", normalRestarts ? "running" : "stopped"],
            ["c", "running"],
          ],
        );
      await sup.stop();
    });
  }
});

describe("Supervisor restart intensity", () => {
  it("gives up past the intensity: stops the rest in reverse and exits with reached_max_restart_intensity", async () => {
    const journal = new Journal();
    const children = ["a", "b", "c"].map((id) => workerSpec(id, journal));
    const sup = await Supervisor.start({
      name: "carrier",
      strategy: "one_for_one",
      intensity: 2,
      period: 60_000,
      children,
      logger: journal.logger(),
    });
    for (let i = 1; i <= 2; i++) {
      worker(journal, "b").cast("crash");
      await journal.until("start:b", i + 1);
    }
    const mark = journal.entries.length;
    worker(journal, "b").cast("crash");
    assert.deepEqual(await sup.exited, { shutdown: "reached_max_restart_intensity" });
    assert.equal(sup.state, "failed");
    assert.deepEqual(
      journal.since(mark).filter((e) => e.startsWith("stop:")),
      ["stop:b", "stop:c", "stop:a"],
    );
    assert.ok(journal.entries.includes("log:reached_max_restart_intensity: shutting down"));
    assert.equal(sup.snapshot().state, "failed");
  });

  it("escalates to the parent, which restarts the whole subtree", async () => {
    const journal = new Journal();
    const carrierSpec: ChildSpec = {
      id: "carrier",
      type: "supervisor",
      start: () =>
        Supervisor.start({
          name: "carrier",
          strategy: "one_for_one",
          intensity: 0,
          children: [workerSpec("bind", journal)],
        }),
    };
    const root = await Supervisor.start({
      name: "root",
      strategy: "one_for_one",
      intensity: 3,
      children: [carrierSpec, workerSpec("api", journal)],
      logger: journal.logger(),
    });
    const firstCarrier = root.whichChildren()[0]!.process!;
    worker(journal, "bind").cast("crash");
    await journal.until("log:child restarted");
    assert.deepEqual(await firstCarrier.exited, { shutdown: "reached_max_restart_intensity" });
    const tree = root.snapshot();
    assert.equal(tree.children[0]!.name, "carrier");
    assert.equal(tree.children[0]!.restarts, 1);
    assert.equal(tree.children[0]!.strategy, "one_for_one");
    assert.equal(tree.children[0]!.children[0]!.state, "running");
    assert.deepEqual(
      journal.entries.filter((e) => e === "start:api"),
      ["start:api"],
    );
    await root.stop();
  });

  it("tells the owner of a root supervisor that it failed", async () => {
    const journal = new Journal();
    const root = await Supervisor.start({
      name: "root",
      strategy: "one_for_one",
      intensity: 0,
      children: [workerSpec("w", journal)],
    });
    const failed = new Promise((resolve) => root.onExit(resolve));
    worker(journal, "w").cast("crash");
    assert.deepEqual(await failed, { shutdown: "reached_max_restart_intensity" });
  });
});

describe("Supervisor start and shutdown", () => {
  it("starts children in order and stops them in reverse", async () => {
    const journal = new Journal();
    const sup = await startABC("one_for_one", journal);
    await sup.stop();
    assert.deepEqual(
      journal.entries.filter((e) => !e.startsWith("log:")),
      ["start:a", "start:b", "start:c", "stop:c", "stop:b", "stop:a"],
    );
    assert.equal(sup.state, "stopped");
  });

  it("kills a child that outlives its shutdown timeout; brutal_kill skips terminate", async () => {
    const journal = new Journal();
    const children = [
      workerSpec("slow", journal, { shutdown: 10 }, { terminateMs: Infinity }),
      workerSpec("brutal", journal, { shutdown: "brutal_kill" }),
      workerSpec("patient", journal, { shutdown: "infinity" }, { terminateMs: 5 }),
    ];
    const sup = await Supervisor.start({ name: "s", strategy: "one_for_one", children });
    const [slow, brutal, patient] = sup.whichChildren().map((c) => c.process!);
    await sup.stop();
    assert.equal(await slow!.exited, "killed");
    assert.equal(await brutal!.exited, "killed");
    assert.equal(await patient!.exited, "shutdown");
    assert.deepEqual(
      journal.entries.filter((e) => e.startsWith("stop:")),
      ["stop:patient"],
    );
  });

  it("fails to start when a child fails, stopping those already started", async () => {
    const journal = new Journal();
    const broken: ChildSpec = {
      id: "broken",
      start: () => Promise.reject(new Error("bind refused")),
    };
    const start = Supervisor.start({
      name: "s",
      strategy: "one_for_one",
      children: [workerSpec("a", journal), workerSpec("b", journal), broken],
    });
    await assert.rejects(start, /failed to start child broken: bind refused/);
    assert.deepEqual(journal.entries, ["start:a", "start:b", "stop:b", "stop:a"]);
  });

  it("adds, terminates, restarts and deletes children by id", async () => {
    const journal = new Journal();
    const sup = await Supervisor.start({ name: "s", strategy: "one_for_one" });
    await sup.startChild(workerSpec("a", journal));
    await assert.rejects(sup.startChild(workerSpec("a", journal)), /already exists/);
    await sup.terminateChild("a");
    assert.deepEqual(
      sup.whichChildren().map((c) => c.state),
      ["stopped"],
    );
    await assert.rejects(sup.deleteChild("missing"), /no child missing/);
    await sup.restartChild("a");
    await assert.rejects(sup.deleteChild("a"), /is running/);
    await sup.terminateChild("a");
    await sup.deleteChild("a");
    assert.deepEqual(sup.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
    assert.deepEqual(journal.entries, ["start:a", "stop:a", "start:a", "stop:a"]);
    await sup.stop();
  });
});

describe("Supervisor restart backoff", () => {
  it("waits with exponential, capped backoff and shows the child as restarting", async () => {
    const journal = new Journal();
    const sup = await Supervisor.start({
      name: "carrier",
      strategy: "one_for_one",
      intensity: 10,
      backoff: { initialMs: 20, maxMs: 30 },
      children: [workerSpec("bind", journal)],
      logger: journal.logger(),
    });
    const waits: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const crashedAt = Date.now();
      worker(journal, "bind").fail("connection refused");
      await journal.until("log:restarting after backoff", i);
      const node = sup.snapshot().children[0]!;
      assert.equal(node.state, "restarting");
      assert.equal(node.detail.last_exit, "connection refused");
      await journal.until("log:child restarted", i);
      waits.push(Date.now() - crashedAt);
    }
    // 20, 40 capped at 30, 30: each at least its delay (timers never fire early).
    assert.ok(waits[0]! >= 19 && waits[1]! >= 29 && waits[2]! >= 29, `waits ${waits.join(", ")}`);
    assert.equal(sup.snapshot().children[0]!.restarts, 3);
    await sup.stop();
  });

  it("cancels a pending restart on shutdown", async () => {
    const journal = new Journal();
    const sup = await Supervisor.start({
      name: "s",
      strategy: "one_for_one",
      backoff: { initialMs: 50, maxMs: 50 },
      children: [workerSpec("w", journal)],
      logger: journal.logger(),
    });
    worker(journal, "w").cast("crash");
    await journal.until("log:restarting after backoff");
    await sup.stop();
    await delay(60);
    assert.equal(journal.entries.filter((e) => e === "start:w").length, 1);
  });
});

/** How many children a failure of the child at `index` restarts. */
function groupSize(strategy: Strategy, index: number, count: number): number {
  if (strategy === "one_for_all") return count;
  return strategy === "rest_for_one" ? count - index : 1;
}

describe("Supervisor under random crash schedules", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`keeps exactly one live instance per child (seed ${seed})`, async () => {
      const random = seededRandom(seed);
      const journal = new Journal();
      const strategies: Strategy[] = ["one_for_one", "one_for_all", "rest_for_one"];
      const strategy = strategies[Math.floor(random() * strategies.length)]!;
      const ids = ["a", "b", "c", "d"];
      const logger = journal.logger();
      const sup = await Supervisor.start({
        name: "p",
        strategy,
        intensity: 1000,
        children: ids.map((id) => workerSpec(id, journal)),
        logger,
      });
      let restartsSoFar = 0;
      for (let round = 0; round < 20; round++) {
        const victim = ids[Math.floor(random() * ids.length)]!;
        const target = worker(journal, victim);
        if (random() < 0.5) target.cast("crash");
        else target.fail("closed");
        // Every restart of the group is logged: wait for all of them.
        restartsSoFar += groupSize(strategy, ids.indexOf(victim), ids.length);
        await journal.until("log:child restarted", restartsSoFar);
        const live = sup.whichChildren().map((c) => c.process);
        assert.ok(
          live.every((p) => p?.alive),
          `${strategy} round ${round}: all running`,
        );
        for (const id of ids) {
          const starts = journal.entries.filter((e) => e === `start:${id}`).length;
          const stops = journal.entries.filter((e) => e === `stop:${id}`).length;
          assert.equal(
            starts,
            stops + 1,
            `${strategy} round ${round}: ${id} started once more than stopped`,
          );
        }
      }
      await sup.stop();
      assert.ok(sup.whichChildren().every((c) => c.process === undefined));
    });
  }
});

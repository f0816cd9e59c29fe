import { test } from "node:test";
import assert from "node:assert/strict";
import { Supervisor } from "../kernel/index.js";
import { Journal, workerSpec } from "../kernel/testing/fixtures.js";
import { RouteSupervisor } from "./route-supervisor.js";

test("a route subtree restarted by the root starts the adapter's children again", {
  timeout: 10_000,
}, async () => {
  const journal = new Journal();
  const root = await Supervisor.start({
    name: "hermes",
    strategy: "one_for_one",
    intensity: 10,
    period: 60_000,
    logger: journal.logger(),
  });
  try {
    const route = await RouteSupervisor.start(root, "sms", journal.logger());
    await route.startChild(workerSpec("session", journal));
    await journal.until("start:session");

    // Six crashes inside 30 s exceed the route's intensity (5): the route
    // subtree fails and the root starts a new one.
    for (let crash = 1; crash <= 6; crash++) {
      await journal.until("start:session", crash);
      journal.workers.get("session")!.fail(`crash ${crash}`);
    }
    await journal.until("start:session", 7);
    // The root records the new subtree once its start (and the session's) returns.
    const routeState = () => root.whichChildren().find((c) => c.id === "route:sms")?.state;
    for (let turn = 0; turn < 100 && routeState() !== "running"; turn++)
      await new Promise((r) => setTimeout(r, 5));
    assert.equal(routeState(), "running");
    assert.equal(
      root.snapshot().children?.find((c) => c.name === "route:sms")?.restarts,
      1,
      "the root restarted the route once",
    );

    // The adapter's handle still works against the new subtree.
    await route.startChild(workerSpec("session-2", journal));
    await journal.until("start:session-2");
    await route.removeChild("session-2");
    await journal.until("stop:session-2");
  } finally {
    await root.stop("shutdown");
  }
});

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { natsDefaults } from "../config/nats-config.js";
import { NatsServer } from "../simulators/nats/nats-server.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { openNatsCluster } from "./nats-cluster.js";

let server: NatsServer;
before(async () => {
  server = await NatsServer.start();
});
after(() => server.stop());

const log = pino({ level: "silent" });
const timing = { leaseTtlMs: 1000, leaseRenewMs: 200 };

/** A keeper for node `node` that records what it was told, in order. */
async function keeper(prefix: string, node: string) {
  const cluster = await openNatsCluster({
    ...natsDefaults,
    ...timing,
    servers: [server.url],
    prefix,
    node,
  });
  const keeper = new LeaseKeeper(cluster, log);
  const told: string[] = [];
  keeper.start();
  keeper.hold("sms.transceiver-1", {
    acquired: () => void told.push("acquired"),
    lost: () => void told.push("lost"),
  });
  return { keeper, cluster, told };
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("one holder at a time; a graceful stop hands the lease over at once", async () => {
  const a = await keeper("leases1", "a");
  await until(() => a.told.includes("acquired"), "a to take the lease");
  const b = await keeper("leases1", "b");
  await new Promise((resolve) => setTimeout(resolve, 3 * timing.leaseRenewMs));
  assert.deepEqual(b.told, [], "b never holds what a holds");
  assert.deepEqual(
    b.keeper.status().map((s) => [s.key, s.holder, s.heldHere]),
    [["sms.transceiver-1", "a", false]],
  );
  const stoppedAt = Date.now();
  await a.keeper.stop();
  assert.deepEqual(a.told, ["acquired", "lost"]);
  await until(() => b.told.includes("acquired"), "b to take the lease");
  assert.ok(Date.now() - stoppedAt < timing.leaseTtlMs, "without waiting for the TTL");
  await b.keeper.stop();
  await a.cluster.close();
  await b.cluster.close();
});

test("a holder that dies: another takes the lease within TTL + renew interval", async () => {
  const a = await keeper("leases2", "a");
  await until(() => a.told.includes("acquired"), "a to take the lease");
  const b = await keeper("leases2", "b");
  // a dies: its connection closes with no goodbye, its key stays until it expires.
  await a.cluster.nc.close();
  const diedAt = Date.now();
  await until(() => b.told.includes("acquired"), "b to take the lease", 10_000);
  const tookMs = Date.now() - diedAt;
  assert.ok(tookMs <= timing.leaseTtlMs + 2 * timing.leaseRenewMs, `took ${tookMs} ms`);
  await b.keeper.stop();
  await b.cluster.close();
});

test("a holder cut off from NATS gives the lease up by its own deadline", async () => {
  const own = await NatsServer.start();
  const cluster = await openNatsCluster({
    ...natsDefaults,
    ...timing,
    servers: [own.url],
    prefix: "leases3",
    node: "a",
  });
  const a = new LeaseKeeper(cluster, log);
  const told: string[] = [];
  let lostAt = 0;
  a.start();
  a.hold("sms.transceiver-1", {
    acquired: () => void told.push("acquired"),
    lost: () => {
      lostAt = Date.now();
      told.push("lost");
    },
  });
  try {
    await until(() => told.includes("acquired"), "a to take the lease");
    const cutAt = Date.now();
    await own.kill();
    await until(() => told.includes("lost"), "a to give the lease up", 5000);
    // Before the server could have given it to anyone else (timed when the keeper gave it
    // up, not when the poll above noticed).
    assert.ok(lostAt - cutAt < timing.leaseTtlMs, `gave up after ${lostAt - cutAt} ms`);
  } finally {
    await a.stop().catch(() => undefined);
    await cluster.close();
    await own.stop();
  }
});

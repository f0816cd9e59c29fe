// Three gateway processes on one nats-server share one SMPP route with two
// binds on the SMSC simulator. Under load, the node that holds a bind is
// killed with SIGKILL: another node must hold the bind again within the
// documented bound (docs/scale-out.md: lease TTL + two renew intervals +
// bind time), every accepted message must reach a terminal state, and every
// message the SMSC received twice must be one flagged duplicate_risk.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { MessageStatus } from "@hermes/runtime/contracts";
import { NatsServer, SmscSimulator } from "@hermes/runtime/simulators";
import {
  killBindHolder,
  leaseHolders,
  startNodes,
  stopNodes,
  testLease,
  uniqueSms,
  untilAllTerminal,
  writeClusterConfig,
} from "../support/cluster.js";
import { clients, keys } from "../support/gateway-harness.js";
import type { GatewayProcess } from "../support/gateway-process.js";
import { poll } from "../support/wait.js";

const dir = mkdtempSync(join(tmpdir(), "hermes-failover-"));
let nats: NatsServer;
let smsc: SmscSimulator;
let nodes: GatewayProcess[] = [];

before(async () => {
  nats = await NatsServer.start();
  // A little latency on the SMSC, so that a window is open when the node dies.
  smsc = await SmscSimulator.start({ behaviour: { responseDelayMs: 5, receiptDelayMs: 50 } });
});
after(async () => {
  await stopNodes(nodes);
  await smsc.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The failover bound docs/scale-out.md gives, with the bind's own time generously counted. */
const boundMs = testLease.leaseTtlMs + 2 * testLease.leaseRenewMs + 1000;

test("kill -9 of a bind's node: another node binds within the bound, nothing is lost, duplicates are flagged", {
  timeout: 120_000,
}, async () => {
  const config = writeClusterConfig(dir, {
    natsUrl: nats.url,
    prefix: "failover",
    smscPort: smsc.port,
  });
  nodes = await startNodes(3, config);
  const holders = await poll(
    async () => {
      const held = await leaseHolders(nodes);
      const owners = [...held.values()];
      // Spread: the first node up takes both, then gives one back to a node that has none.
      const spread = owners.length === 2 && owners.every(Boolean) && new Set(owners).size === 2;
      return spread && smsc.boundSessions === 2 && held;
    },
    () => "the two binds were never held by two nodes",
    20_000,
  );

  // Two binds at most, ever: a second holder of one lease would show as a third session.
  let mostBound = 0;
  const watch = setInterval(() => (mostBound = Math.max(mostBound, smsc.boundSessions)), 5);

  const accepted: string[] = [];
  let sending = true;
  let refused = 0;
  // One client per node, reused: a connection per request would soon meet the
  // gateway's cap on connections per client address.
  const apis = new Map(nodes.map((node) => [node, clients(node.url, keys.all)]));
  const sender = async (worker: number) => {
    for (let i = 0; sending; i++) {
      const node = nodes[(worker + i) % nodes.length]!;
      if (node.child.signalCode !== null) continue;
      try {
        const { message } = await apis.get(node)!.messages.send({
          message: uniqueSms(`failover w${worker} #${i}`),
        });
        accepted.push(message!.id);
      } catch {
        refused++; // the killed node's requests in flight: their fate is not the caller's to know
      }
    }
  };
  const senders = Array.from({ length: 6 }, (_, w) => sender(w));
  await poll(
    () => accepted.length >= 300,
    () => "no load",
    30_000,
  );

  const { victim, failoverMs } = await killBindHolder(nodes, holders, "sms.transceiver-1", smsc, {
    binds: 2,
    unboundWithinMs: 5_000,
    reboundWithinMs: boundMs + 10_000,
  });
  const survivors = nodes.filter((n) => n !== victim);
  const after = await leaseHolders(survivors);
  assert.ok(
    [...after.values()].every((url) => url && url !== victim.url),
    "both leases are held by surviving nodes",
  );
  assert.ok(failoverMs <= boundMs, `failover took ${failoverMs.toFixed(0)} ms, over ${boundMs} ms`);

  await poll(
    () => accepted.length >= 600,
    () => "no load after the failover",
    30_000,
  );
  sending = false;
  await Promise.all(senders);
  clearInterval(watch);
  assert.ok(mostBound <= 2, `at most two binds at once (saw ${mostBound})`);

  const finished = await untilAllTerminal(survivors[0]!.url, accepted, 30_000).catch((e) => {
    for (const n of nodes) process.stdout.write(`---- ${n.url}\n${n.output().slice(-4000)}\n`);
    throw e;
  });
  for (const { message } of finished)
    assert.equal(message!.status, MessageStatus.DELIVERED, `message ${message!.id}`);
  const flagged = new Set(
    finished
      .filter(({ events }) => events.some((e) => e.detail.duplicate_risk === "true"))
      .map(({ message }) => message!.content!.text),
  );
  const submits = new Map<string, number>();
  for (const { text } of smsc.received) submits.set(text, (submits.get(text) ?? 0) + 1);
  const duplicated = [...submits].filter(([, count]) => count > 1).map(([text]) => text);
  for (const text of duplicated) assert.ok(flagged.has(text), `${text} was sent twice unflagged`);
  // A flag means "may be a duplicate": the intent of an attempt is recorded before its bytes
  // leave, so a node killed in between flags a message the SMSC got once. Those are at most
  // the killed node's window (20), and usually none: the flags then equal the duplicates.
  assert.ok(
    flagged.size <= duplicated.length + 20,
    `${flagged.size} flagged for ${duplicated.length} duplicates`,
  );
  process.stdout.write(
    `failover ${failoverMs.toFixed(0)} ms (bound ${boundMs} ms); ${accepted.length} accepted, ${refused} refused by the dying node, ${duplicated.length} duplicates, all flagged (${flagged.size} flagged)\n`,
  );
});

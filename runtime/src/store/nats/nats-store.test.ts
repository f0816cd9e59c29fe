import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode, HermesError } from "../../errors/hermes-error.js";
import { DeliveryEventKind } from "../../gen/hermes/v1/message_pb.js";
import { natsDefaults } from "../../config/nats-config.js";
import { openNatsCluster } from "../../cluster/nats-cluster.js";
import { NatsServer } from "../../simulators/nats/nats-server.js";
import { messageStoreContract, newMessage } from "../message-store-contract.js";
import { suppressionStoreContract } from "../suppression-store-contract.js";
import { NatsStore } from "./nats-store.js";

let server: NatsServer;
before(async () => {
  server = await NatsServer.start();
});
after(() => server.stop());

let stores = 0;
async function natsStores() {
  // A prefix per test: each gets streams and buckets of its own on the one server.
  const prefix = `contract${++stores}`;
  return {
    open: async () =>
      new NatsStore(
        await openNatsCluster({
          ...natsDefaults,
          servers: [server.url],
          prefix,
          node: "test",
        }),
        { closesCluster: true },
      ),
    dispose: async () => {},
  };
}

messageStoreContract("NatsStore", natsStores);
suppressionStoreContract("NatsStore", natsStores, { shared: true });

test("two nodes changing one message: every change lands once, none is lost to the other", async () => {
  const config = { ...natsDefaults, servers: [server.url], prefix: "twonodes", node: "a" };
  const a = new NatsStore(await openNatsCluster(config), { closesCluster: true });
  const b = new NatsStore(await openNatsCluster({ ...config, node: "b" }), { closesCluster: true });
  try {
    const item = newMessage();
    await a.accept([item]);
    const id = item.message.id;
    // Each node reads the message once, so both then write from the same revision.
    await Promise.all([a.transition(id, { started: 1 }), b.transition(id, { started: 1 })]);
    const writes = Array.from({ length: 40 }, (_, i) =>
      (i % 2 ? a : b).transition(id, {
        attempts: i + 1,
        event: { kind: DeliveryEventKind.PROGRESS, detail: { i: String(i) } },
      }),
    );
    await Promise.all(writes);
    const history = await b.history(id);
    assert.equal(history.length, 41, "the accepted event and forty progress events");
    assert.deepEqual(
      new Set(history.slice(1).map((e) => e.detail?.i)),
      new Set(Array.from({ length: 40 }, (_, i) => String(i))),
    );
    // Both nodes' last writes were applied on top of each other's: attempts is one of the last.
    const final = await a.get(id);
    assert.ok(final && final.attempts >= 39, `attempts ${final?.attempts}`);
  } finally {
    await a.close();
    await b.close();
  }
});

test("a node that cannot reach NATS refuses to accept, with STORE_UNAVAILABLE", async () => {
  const own = await NatsServer.start();
  const store = new NatsStore(
    await openNatsCluster({ ...natsDefaults, servers: [own.url], prefix: "down", node: "a" }),
    { closesCluster: true },
  );
  try {
    await own.kill();
    await assert.rejects(
      store.accept([newMessage()]),
      (e: unknown) =>
        e instanceof HermesError &&
        e.code === ErrorCode.STORE_UNAVAILABLE &&
        /the message store \(NATS\) is unavailable/.test(e.message),
    );
    await own.restart();
    await poll(async () => (await store.accept([newMessage()]).catch(() => undefined))?.length);
  } finally {
    await store.close();
    await own.stop();
  }
});

/** Retries `probe` until it yields something, for at most 10 s. */
async function poll<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

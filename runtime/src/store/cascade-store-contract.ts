import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MessageStatus } from "../gen/hermes/v1/message_pb.js";
import type { CascadeRecord } from "./cascade-store.js";
import type { StoreUnderTest } from "./message-store-contract.js";

function record(parentId: string): CascadeRecord {
  return {
    parentId,
    tenant: "acme",
    plan: new Uint8Array([10, 2, 8, 1]),
    progress: { startAt: 0, done: false, steps: [{ state: "pending" }, { state: "skipped" }] },
  };
}

/**
 * Every rule a CascadeStore must keep (MessageStore.cascades): a record as
 * written, its progress replaced in place, kept across a reopen, and the
 * undecided ones listed for resuming.
 */
export function cascadeStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`${name} keeps the CascadeStore contract`, () => {
    test("a cascade's plan and progress are kept across a reopen; decided ones are not resumed", async () => {
      const place = await make();
      let store = await place.open();
      try {
        assert.ok(store.cascades, `${name} keeps cascades`);
        await store.cascades.create(record("p1"));
        await store.cascades.create(record("p2"));
        await store.cascades.create(record("p3"));
        const running = {
          startAt: 0,
          done: false,
          steps: [
            { state: "running" as const, messageId: "m1", deadlineAt: Date.now() + 60_000 },
            { state: "skipped" as const, error: { code: 1, message: "no address" } },
          ],
        };
        await store.cascades.update("p1", running);
        await store.cascades.update("p2", {
          ...running,
          done: true,
          steps: [{ state: "delivered", messageId: "m2", status: MessageStatus.DELIVERED }],
        });
        await store.cascades.delete("p3");
        await store.close();
        store = await place.open();
        const p1 = await store.cascades!.get("p1");
        assert.deepEqual(p1, { ...record("p1"), progress: running });
        assert.equal((await store.cascades!.get("p2"))?.progress.done, true);
        assert.equal(await store.cascades!.get("p3"), undefined);
        assert.equal(await store.cascades!.get("nope"), undefined);
        assert.deepEqual(
          (await store.cascades!.undecided()).map((r) => r.parentId),
          ["p1"],
        );
      } finally {
        await store.close();
        await place.dispose();
      }
    });
  });
}

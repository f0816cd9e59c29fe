import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Channel } from "../gen/hermes/v1/message_pb.js";
import { SuppressionReason } from "../gen/hermes/v1/suppression_service_pb.js";
import type { StoreUnderTest } from "./message-store-contract.js";
import type { SuppressionEntry, SuppressionStore, SuppressionUpdate } from "./suppression-store.js";

/** An entry as a suppression list writes one. */
export function suppressionEntry(init: Partial<SuppressionEntry> = {}): SuppressionEntry {
  return {
    tenant: "acme",
    address: "+447700900123",
    kind: "phone",
    channel: Channel.UNSPECIFIED,
    reason: SuppressionReason.OPT_OUT,
    note: 'inbound "STOP"',
    source: "route:sms",
    createdAt: Date.now(),
    ...init,
  };
}

/**
 * Every rule a SuppressionStore must keep (MessageStore.suppressions): an
 * entry per (tenant, address, channel), kept across a reopen; removals by
 * channel, by address and by filter; an audit record for every change, in
 * order, per tenant. With `shared`, the store is one several processes write
 * (a cluster), and a second one hears of the first one's changes.
 */
export function suppressionStoreContract(
  name: string,
  make: () => Promise<StoreUnderTest>,
  options: { shared?: boolean } = {},
): void {
  const withStores =
    (body: (open: () => Promise<SuppressionStore>) => Promise<void>) => async () => {
      const place = await make();
      const opened: Array<{ close(): Promise<void> }> = [];
      const open = async () => {
        const store = await place.open();
        opened.push(store);
        assert.ok(store.suppressions, `${name} keeps suppression lists`);
        return store.suppressions;
      };
      try {
        await body(open);
      } finally {
        for (const store of opened) await store.close();
        await place.dispose();
      }
    };

  describe(`${name} keeps the SuppressionStore contract`, () => {
    test(
      "an entry per tenant, address and channel, replaced in place, kept across a reopen",
      withStores(async (open) => {
        const first = await open();
        const added = await first.add(suppressionEntry(), "route:sms");
        assert.ok(added.sequence > 0);
        assert.equal(added.action, "added");
        await first.add(
          suppressionEntry({ reason: SuppressionReason.MANUAL, note: "asked by phone" }),
          "api:ops",
        );
        await first.add(suppressionEntry({ channel: Channel.SMS }), "route:sms");
        await first.add(suppressionEntry({ tenant: "globex" }), "route:sms");
        await first.add(
          suppressionEntry({ address: "ann@example.com", kind: "email" }),
          "route:mail",
        );
        const again = await open();
        const entries = (await again.entries()).sort((a, b) =>
          `${a.tenant}${a.address}${a.channel}`.localeCompare(
            `${b.tenant}${b.address}${b.channel}`,
          ),
        );
        assert.deepEqual(
          entries.map((e) => [
            e.tenant,
            e.address,
            e.kind,
            Channel[e.channel],
            SuppressionReason[e.reason],
          ]),
          [
            ["acme", "+447700900123", "phone", "UNSPECIFIED", "MANUAL"],
            ["acme", "+447700900123", "phone", "SMS", "OPT_OUT"],
            ["acme", "ann@example.com", "email", "UNSPECIFIED", "OPT_OUT"],
            ["globex", "+447700900123", "phone", "UNSPECIFIED", "OPT_OUT"],
          ],
        );
        assert.equal(entries[0]!.note, "asked by phone");
        assert.equal(entries[0]!.source, "route:sms");
      }),
    );

    test(
      "removals by channel, by address and by filter, each audited; nothing to remove is no change",
      withStores(async (open) => {
        const store = await open();
        await store.add(suppressionEntry(), "route:sms");
        await store.add(suppressionEntry({ channel: Channel.SMS }), "route:sms");
        await store.add(
          suppressionEntry({ channel: Channel.CHAT, reason: SuppressionReason.MANUAL }),
          "api:ops",
        );
        const one = await store.remove("acme", "+447700900123", {
          channel: Channel.SMS,
          actor: "api:ops",
          note: "one channel",
        });
        assert.deepEqual(
          one.map((c) => [c.action, Channel[c.entry.channel], c.note]),
          [["removed", "SMS", "one channel"]],
        );
        const optOuts = await store.remove("acme", "+447700900123", {
          only: (entry) => entry.reason === SuppressionReason.OPT_OUT,
          actor: "route:sms",
          note: 'inbound "START"',
        });
        assert.deepEqual(
          optOuts.map((c) => Channel[c.entry.channel]),
          ["UNSPECIFIED"],
        );
        assert.deepEqual(
          await store.remove("acme", "+440000000000", { actor: "api:ops", note: "" }),
          [],
        );
        const rest = await store.remove("acme", "+447700900123", { actor: "api:ops", note: "all" });
        assert.deepEqual(
          rest.map((c) => Channel[c.entry.channel]),
          ["CHAT"],
        );
        assert.deepEqual(await (await open()).entries(), []);
      }),
    );

    test(
      "the audit trail: every change, in order, per tenant, paged by sequence",
      withStores(async (open) => {
        const store = await open();
        await store.add(suppressionEntry(), "route:sms");
        await store.add(suppressionEntry({ tenant: "globex" }), "route:sms");
        await store.add(suppressionEntry({ address: "+447700900999" }), "api:ops");
        await store.remove("acme", "+447700900123", { actor: "api:ops", note: "called us" });
        const trail = await (await open()).changes("acme", 0, 100);
        assert.deepEqual(
          trail.map((c) => [c.action, c.entry.address, c.actor, c.note]),
          [
            ["added", "+447700900123", "route:sms", ""],
            ["added", "+447700900999", "api:ops", ""],
            ["removed", "+447700900123", "api:ops", "called us"],
          ],
        );
        const sequences = trail.map((c) => c.sequence);
        assert.deepEqual(
          [...sequences].sort((a, b) => a - b),
          sequences,
        );
        assert.ok(trail.every((c) => c.time > 0 && c.entry.tenant === "acme"));
        const page = await store.changes("acme", trail[0]!.sequence, 1);
        assert.deepEqual(
          page.map((c) => c.sequence),
          [trail[1]!.sequence],
        );
        assert.equal((await store.changes("globex", 0, 100)).length, 1);
        assert.deepEqual(await store.changes("initech", 0, 100), []);
      }),
    );

    if (options.shared)
      test(
        "a second process hears of the first one's changes",
        withStores(async (open) => {
          const writer = await open();
          const reader = await open();
          const heard: SuppressionUpdate[] = [];
          const stop = await reader.follow!((update) => heard.push(update));
          try {
            await writer.add(suppressionEntry(), "route:sms");
            await writer.remove("acme", "+447700900123", { actor: "api:ops", note: "" });
            const deadline = Date.now() + 5000;
            while (heard.length < 2 && Date.now() < deadline)
              await new Promise((resolve) => setTimeout(resolve, 20));
          } finally {
            stop();
          }
          assert.deepEqual(
            heard.map((u) => [u.present, u.present ? u.entry.address : u.address]),
            [
              [true, "+447700900123"],
              [false, "+447700900123"],
            ],
          );
          const removed = heard[1]!;
          assert.ok(
            !removed.present &&
              removed.tenant === "acme" &&
              removed.channel === Channel.UNSPECIFIED,
          );
        }),
      );
  });
}

// Suppression lists end to end through the simulators: STOP from an SMPP MO
// suppresses the number for the next Send and START lifts it, an email hard
// bounce and a complaint suppress the address, a held message whose address
// is suppressed meanwhile is never sent, and the API lists, adds and removes
// entries, each change audited.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  Channel,
  ErrorCode,
  MessageStatus,
  SuppressionAction,
  SuppressionReason,
  SuppressionService,
} from "@hermes/runtime/contracts";
import {
  type ChannelGateway,
  email,
  sms,
  startChannelGateway,
} from "../support/channel-gateway.js";
import { keys, testApiKeys, transport } from "../support/gateway-harness.js";
import { poll, untilTerminal } from "../support/wait.js";

const phone = (value: string) => ({ kind: { case: "phone" as const, value } });
const mailbox = (value: string) => ({ kind: { case: "email" as const, value } });

describe("suppression lists", () => {
  let fixture: ChannelGateway;
  const list = (key: string = keys.all) =>
    createClient(SuppressionService, transport(fixture.gw.gateway.url, "connect-h2", key));

  before(async () => {
    fixture = await startChannelGateway({
      apiKeys: [...testApiKeys, { key: "globex-admin", tenant: "globex", scopes: ["admin"] }],
    });
  });
  after(() => fixture.close());

  test("STOP from an SMPP MO suppresses the number on SMS for the next Send; START lifts it", async () => {
    const number = "+447700900401";
    const status = await fixture.smsc.injectMo({ from: number, to: "40404", text: "Stop" });
    assert.equal(status, 0, "the MO was taken");
    const refused = (await fixture.api.messages.send({ message: sms(number) })).message!;
    assert.equal(refused.status, MessageStatus.REJECTED);
    assert.equal(refused.error?.code, ErrorCode.SUPPRESSED);
    assert.match(
      refused.error!.message,
      /\+447700900401 is on tenant acme's suppression list for SMS/,
    );
    const { suppressions } = await list().listSuppressions({ address: phone(number) });
    assert.deepEqual(
      suppressions.map((s) => [Channel[s.channel], SuppressionReason[s.reason], s.source]),
      [["SMS", "OPT_OUT", "route:sms"]],
    );
    assert.equal(
      fixture.smsc.received.filter((r) => r.destination === "447700900401").length,
      0,
      "nothing reached the SMSC",
    );

    await fixture.smsc.injectMo({ from: number, to: "40404", text: "START" });
    const sent = (await fixture.api.messages.send({ message: sms(number) })).message!;
    assert.equal(sent.status, MessageStatus.ACCEPTED);
    const events = await untilTerminal(fixture.api.messages, sent.id);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
  });

  test("STOPALL suppresses the number on every channel; a message for later is refused when due", async () => {
    const number = "+447700900402";
    const held = (
      await fixture.api.messages.send({
        message: { ...sms(number), sendAt: timestampFromMs(Date.now() + 700) },
      })
    ).message!;
    assert.equal(held.status, MessageStatus.QUEUED);
    await fixture.smsc.injectMo({ from: number, to: "40404", text: "STOPALL" });
    const { suppressions } = await list().listSuppressions({ address: phone(number) });
    assert.deepEqual(
      suppressions.map((s) => Channel[s.channel]),
      ["UNSPECIFIED"],
    );
    const events = await untilTerminal(fixture.api.messages, held.id, 10_000);
    assert.equal(events.at(-1)!.status, MessageStatus.REJECTED);
    assert.equal(events.at(-1)!.error?.code, ErrorCode.SUPPRESSED);
    assert.equal(fixture.smsc.received.filter((r) => r.destination === "447700900402").length, 0);
  });

  test("an email hard bounce and a complaint suppress the address; a soft bounce does not", async () => {
    for (const [address, reason] of [
      ["permfail@example.com", SuppressionReason.HARD_BOUNCE],
      ["complaint@example.com", SuppressionReason.COMPLAINT],
    ] as const) {
      const first = (await fixture.api.messages.send({ message: email(address) })).message!;
      await untilTerminal(fixture.api.messages, first.id);
      const [entry] = await poll(
        async () => {
          const { suppressions } = await list().listSuppressions({ address: mailbox(address) });
          return suppressions.length > 0 && suppressions;
        },
        () => `${address} was never suppressed`,
      );
      assert.equal(entry!.reason, reason);
      assert.equal(entry!.channel, Channel.UNSPECIFIED);
      assert.match(entry!.note, new RegExp(`message ${first.id}`));
      const next = (await fixture.api.messages.send({ message: email(address) })).message!;
      assert.equal(next.status, MessageStatus.REJECTED, address);
      assert.equal(next.error?.code, ErrorCode.SUPPRESSED);
    }
    const soft = (await fixture.api.messages.send({ message: email("quota@example.com") }))
      .message!;
    assert.equal(
      (await untilTerminal(fixture.api.messages, soft.id)).at(-1)!.status,
      MessageStatus.FAILED,
    );
    const again = (await fixture.api.messages.send({ message: email("quota@example.com") }))
      .message!;
    assert.equal(
      again.status,
      MessageStatus.ACCEPTED,
      "a full mailbox says nothing against the address",
    );
  });

  test("the API adds, lists and removes entries for the key's tenant, each change audited", async () => {
    const admin = list();
    const before = (await admin.listSuppressionChanges({})).changes.at(-1)?.sequence ?? 0n;
    const { suppression } = await admin.addSuppression({
      address: mailbox("Ann Example <ANN@example.com>"),
      note: "asked by phone",
    });
    assert.equal(suppression?.address?.kind.value, "ann@example.com");
    assert.equal(suppression?.reason, SuppressionReason.MANUAL);
    assert.equal(suppression?.source, "api:all");
    const refused = (await fixture.api.messages.send({ message: email("ann@example.com") }))
      .message!;
    assert.equal(refused.error?.code, ErrorCode.SUPPRESSED);

    const globex = list("globex-admin");
    assert.deepEqual(
      (await globex.listSuppressions({})).suppressions,
      [],
      "one tenant's list only",
    );
    assert.deepEqual(
      (await globex.removeSuppression({ address: mailbox("ann@example.com") })).removed,
      [],
    );
    assert.equal(
      (await refusal(list(keys.sendOnly).listSuppressions({}))).code,
      Code.PermissionDenied,
    );
    assert.equal(
      (
        await refusal(
          admin.addSuppression({ address: { kind: { case: "url", value: "https://x.test" } } }),
        )
      ).code,
      Code.InvalidArgument,
    );

    const { removed } = await admin.removeSuppression({
      address: mailbox("ann@example.com"),
      note: "resubscribed",
    });
    assert.equal(removed.length, 1);
    const sent = (await fixture.api.messages.send({ message: email("ann@example.com") })).message!;
    assert.equal(sent.status, MessageStatus.ACCEPTED);
    const { changes } = await admin.listSuppressionChanges({ afterSequence: before });
    assert.deepEqual(
      changes.map((c) => [
        SuppressionAction[c.action],
        c.suppression?.address?.kind.value,
        c.actor,
        c.note,
      ]),
      [
        ["ADDED", "ann@example.com", "api:all", ""],
        ["REMOVED", "ann@example.com", "api:all", "resubscribed"],
      ],
    );
  });

  test("entries are listed oldest first, a page at a time", async () => {
    const admin = list();
    for (let i = 0; i < 5; i++)
      await admin.addSuppression({
        address: { kind: { case: "deviceToken", value: `token-${i}` } },
      });
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await admin.listSuppressions({ pageSize: 2, pageToken });
      seen.push(...page.suppressions.map((s) => s.address!.kind.value!));
      pageToken = page.nextPageToken;
    } while (pageToken);
    const tokens = seen.filter((v) => v.startsWith("token-"));
    assert.deepEqual(tokens, ["token-0", "token-1", "token-2", "token-3", "token-4"]);
    assert.equal(new Set(seen).size, seen.length, "no entry twice across pages");
  });
});

async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (reason) {
    return ConnectError.from(reason);
  }
  throw new Error("the call succeeded");
}

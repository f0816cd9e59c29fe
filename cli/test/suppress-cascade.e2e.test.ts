// `hermes suppress` and `hermes status` on a cascade, against a real gateway
// on loopback, driven through the CLI in process.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ErrorCode, errorDetail, type ChannelAdapter } from "@hermes/runtime";
import { Channel, MessageSchema, MessageStatus, RouteState } from "@hermes/runtime/contracts";
import {
  clients,
  keys,
  startTestGateway,
  type TestGateway,
} from "../../test/support/gateway-harness.js";
import { untilTerminal } from "../../test/support/wait.js";
import { hermes } from "./support/run-cli.js";
import { ExitCode } from "../src/errors/exit-codes.js";

/** An adapter that answers every send at once: delivered, or failed for good. */
function answering(delivers: boolean): ChannelAdapter {
  return {
    type: delivers ? "delivers" : "fails",
    start: async () => {},
    demand: () => 8,
    send: async () =>
      delivers
        ? { kind: "delivered" }
        : {
            kind: "failed",
            error: errorDetail(ErrorCode.INVALID_RECIPIENT, "unknown subscriber", {
              retryable: false,
            }),
          },
    health: () => ({ state: RouteState.UP }),
    stop: async () => {},
  };
}

describe("hermes suppress, and status drawing a cascade", () => {
  let gw: TestGateway;
  const as = (key: string = keys.all) => ["--server", gw.gateway.url, "--token", key];

  before(async () => {
    gw = await startTestGateway(
      {
        routes: [
          { name: "sms", channel: "sms", adapter: "fails" },
          { name: "mail", channel: "email", adapter: "delivers" },
        ],
      },
      { fails: () => answering(false), delivers: () => answering(true) },
    );
  });
  after(() => gw.close());

  test("add, list, remove and audit an address; a Send to it is refused meanwhile", async () => {
    const added = await hermes(
      "suppress",
      "add",
      "+447700900123",
      "--channel",
      "sms",
      "--note",
      "asked by phone",
      ...as(),
    );
    assert.equal(added.exitCode, 0, added.stderr);
    assert.match(added.stdout, /\+447700900123\s+sms\s+manual\s+asked by phone\s+api:all/);
    const sent = await hermes("send", ...as(), "-c", "sms", "-t", "+447700900123", "-b", "hi");
    assert.equal(sent.exitCode, ExitCode.Undelivered);
    assert.match(
      sent.stderr,
      /\[suppressed\] \+447700900123 is on tenant acme's suppression list for SMS/,
    );

    await hermes("suppress", "add", "Ann@Example.com", "--reason", "opt-out", ...as());
    const listed = JSON.parse((await hermes("suppress", "list", "--json", ...as())).stdout);
    assert.deepEqual(
      listed.map((s: { address: Record<string, string>; channel?: string; reason: string }) => [
        Object.values(s.address)[0],
        s.channel ?? "all",
        s.reason,
      ]),
      [
        ["+447700900123", "CHANNEL_SMS", "SUPPRESSION_REASON_MANUAL"],
        ["ann@example.com", "all", "SUPPRESSION_REASON_OPT_OUT"],
      ],
    );
    const one = await hermes("suppress", "list", "ann@example.com", ...as());
    assert.match(one.stdout, /ann@example\.com\s+all\s+opt-out/);
    assert.doesNotMatch(one.stdout, /447700900123/);

    const removed = await hermes(
      "suppress",
      "remove",
      "+447700900123",
      "--note",
      "opted in",
      ...as(),
    );
    assert.match(removed.stdout, /Removed:[\s\S]*\+447700900123/);
    const again = await hermes("suppress", "remove", "+447700900123", ...as());
    assert.match(again.stdout, /\+447700900123 was not suppressed/);

    const audit = await hermes("suppress", "audit", ...as());
    assert.match(
      audit.stdout,
      /added\s+\+447700900123[\s\S]*added\s+ann@example\.com[\s\S]*removed\s+\+447700900123\s+sms\s+manual\s+api:all\s+opted in/,
    );
  });

  test("an address that is neither a number nor a mailbox needs --kind; a key without admin is refused", async () => {
    const unclear = await hermes("suppress", "add", "fcm-token-1", ...as());
    assert.equal(unclear.exitCode, ExitCode.Usage);
    assert.match(unclear.stderr, /pass --kind/);
    const token = await hermes("suppress", "add", "fcm-token-1", "--kind", "device-token", ...as());
    assert.equal(token.exitCode, 0, token.stderr);
    const denied = await hermes("suppress", "list", ...as(keys.sendOnly));
    assert.equal(denied.exitCode, ExitCode.Auth);
  });

  test("status draws a cascade's chain, from the parent or from one of its steps", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({
      message: create(MessageSchema, {
        content: { text: "Your parcel is here", subject: "Parcel" },
        cascade: {
          steps: [
            { channel: Channel.SMS, to: { kind: { case: "phone", value: "+447700900999" } } },
            { channel: Channel.EMAIL, to: { kind: { case: "email", value: "bob@example.com" } } },
          ],
        },
      }),
    });
    const events = await untilTerminal(messages, message!.id);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    const parent = await hermes("status", message!.id, ...as());
    assert.equal(parent.exitCode, 0, parent.stderr);
    assert.match(parent.stdout, new RegExp(`Cascade ${message!.id} ◀`));
    assert.match(
      parent.stdout,
      /├── 1\. sms → \+447700900999\s+failed\s+(\S+) \(failed\)\s+\[invalid_recipient\] unknown subscriber/,
    );
    assert.match(parent.stdout, /└── 2\. email → bob@example\.com\s+delivered\s+\S+ \(delivered\)/);
    const stepId = /1\. sms → \S+\s+failed\s+(\S+)/.exec(parent.stdout)![1]!;
    const step = await hermes("status", stepId, ...as());
    assert.match(step.stdout, new RegExp(`1\\. sms .*${stepId} \\(failed\\).* ◀`));
  });
});

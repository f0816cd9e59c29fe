// FindMessages, WhoAmI and the per-route counters of GetHealth through the
// real API: what the operator console reads, as any client reads it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { AdapterHealth, ChannelAdapter, SendOutcome } from "@hermes/runtime";
import {
  AuthService,
  Channel,
  type Message,
  MessageSchema,
  RouteState,
} from "@hermes/runtime/contracts";
import {
  clients,
  keys,
  startTestGateway,
  type TestGateway,
  testApiKeys,
  transport,
} from "../support/gateway-harness.js";
import { poll } from "../support/wait.js";

/** Submits every message with a provider id of its own: "prov-1", "prov-2"... */
class SubmittingAdapter implements ChannelAdapter {
  readonly type = "submitting";
  #sent = 0;
  async start(): Promise<void> {}
  demand(): number {
    return 16;
  }
  async send(): Promise<SendOutcome> {
    return { kind: "submitted", providerMessageId: `prov-${++this.#sent}` };
  }
  health(): AdapterHealth {
    return { state: RouteState.UP };
  }
  async stop(): Promise<void> {}
}

const adminOnly = "test-key-admin-only";
const sms = (phone: string) =>
  create(MessageSchema, {
    channel: Channel.SMS,
    to: { kind: { case: "phone", value: phone } },
    content: { text: "hello" },
  });

describe("finding messages, and what a key may do", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway(
      {
        apiKeys: [
          ...testApiKeys,
          { key: adminOnly, tenant: "acme", scopes: ["admin"], name: "ops" },
        ],
        routes: [{ name: "carrier", channel: "sms", adapter: "submitting" }],
      },
      { submitting: () => new SubmittingAdapter() },
    );
  });
  after(() => gw.close());

  test("FindMessages by recipient (by its digits) and by provider id, newest first, the tenant's own", async () => {
    const { messages } = clients(gw.gateway.url, keys.all);
    const sent: Message[] = [];
    for (const phone of ["+447700900111", "+447700900222", "+447700900111"]) {
      sent.push((await messages.send({ message: sms(phone) })).message!);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const ids = (found: readonly Message[]) => found.map((m) => m.id);
    const byRecipient = await messages.findMessages({
      by: { case: "recipient", value: "447700900111" },
    });
    assert.deepEqual(ids(byRecipient.messages), [sent[2]!.id, sent[0]!.id]);
    const limited = await messages.findMessages({
      by: { case: "recipient", value: "+44 7700 900111" },
      limit: 1,
    });
    assert.deepEqual(ids(limited.messages), [sent[2]!.id]);

    const submitted = await poll(
      async () => {
        const got = (await messages.getMessage({ id: sent[1]!.id })).message;
        return got?.providerMessageId ? got : undefined;
      },
      () => "the message was never submitted",
    );
    const byProvider = await messages.findMessages({
      by: { case: "providerMessageId", value: submitted.providerMessageId },
    });
    assert.deepEqual(ids(byProvider.messages), [sent[1]!.id]);

    const other = clients(gw.gateway.url, keys.otherTenant).messages;
    const foreign = await other.findMessages({ by: { case: "recipient", value: "+447700900111" } });
    assert.deepEqual(foreign.messages, [], "another tenant's key finds nothing");

    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e) => ConnectError.from(e),
      );
    const empty = await failure(messages.findMessages({}));
    assert.equal(empty?.code, Code.InvalidArgument);
    const sendOnly = clients(gw.gateway.url, keys.sendOnly).messages;
    const denied = await failure(
      sendOnly.findMessages({ by: { case: "recipient", value: "+447700900111" } }),
    );
    assert.equal(denied?.code, Code.PermissionDenied);
  });

  test("WhoAmI tells any valid key its tenant and scopes; an admin key also reads, but does not send", async () => {
    const who = (key: string) =>
      createClient(AuthService, transport(gw.gateway.url, "connect-h1", key)).whoAmI({});
    assert.deepEqual(await who(keys.readOnly), {
      $typeName: "hermes.v1.WhoAmIResponse",
      tenant: "acme",
      scopes: ["read"],
      keyName: "read-only",
    });
    assert.deepEqual((await who(adminOnly)).scopes, ["admin"]);
    const unknown = await who("wrong").then(
      () => undefined,
      (e) => ConnectError.from(e),
    );
    assert.equal(unknown?.code, Code.Unauthenticated);

    const admin = clients(gw.gateway.url, adminOnly);
    const { message } = await clients(gw.gateway.url, keys.all).messages.send({
      message: sms("+447700900333"),
    });
    assert.equal((await admin.messages.getMessage({ id: message!.id })).message?.id, message!.id);
    const found = await admin.messages.findMessages({
      by: { case: "recipient", value: "+447700900333" },
    });
    assert.deepEqual(
      found.messages.map((m) => m.id),
      [message!.id],
    );
    const send = await admin.messages.send({ message: sms("+447700900333") }).then(
      () => undefined,
      (e) => ConnectError.from(e),
    );
    assert.equal(send?.code, Code.PermissionDenied);
  });

  test("GetHealth counts each route's attempts since start", async () => {
    const { admin, messages } = clients(gw.gateway.url, keys.all);
    const before = (await admin.getHealth({})).routes[0]!.counters!.attempts;
    await messages.send({ message: sms("+447700900444") });
    await messages.send({ message: sms("+447700900444") });
    await poll(
      async () => (await admin.getHealth({})).routes[0]!.counters!.attempts >= before + 2n,
      () => "the attempts were not counted",
    );
    const { counters } = (await admin.getHealth({})).routes[0]!;
    assert.equal(counters?.delivered, 0n, "submitted messages are not delivered yet");
  });
});

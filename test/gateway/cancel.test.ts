// CancelMessage: a message that has not left is cancelled (REJECTED with
// CANCELLED) and never reaches its adapter; one being sent, or finished, is
// refused; another tenant's message is not found.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, MessageStatus } from "@hermes/runtime/contracts";
import { clients, keys, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { chatMessage, GatedAdapter } from "../support/gated-adapter.js";
import { until, untilTerminal } from "../support/wait.js";

async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (reason) {
    return ConnectError.from(reason);
  }
  throw new Error("the call succeeded");
}

describe("CancelMessage", () => {
  const adapter = new GatedAdapter({ hold: true, window: 10 });
  let gw: TestGateway;

  before(async () => {
    gw = await startTestGateway(
      { routes: [{ name: "chat", channel: "chat", adapter: "held" }] },
      { held: () => adapter },
    );
  });
  after(() => gw.close());

  test("a waiting message is cancelled and never sent; one being sent or finished is refused", async () => {
    const { messages } = clients(gw.gateway.url);
    const waiting = (await messages.send({ message: chatMessage("cancel me") })).message!;
    const leaving = (await messages.send({ message: chatMessage("too late") })).message!;

    const { message: cancelled } = await messages.cancelMessage({ id: waiting.id });
    assert.equal(cancelled?.status, MessageStatus.REJECTED);
    assert.equal(cancelled?.error?.code, ErrorCode.CANCELLED);
    const history = (await messages.getMessage({ id: waiting.id })).events;
    assert.deepEqual(
      history.map((e) => MessageStatus[e.status]),
      ["ACCEPTED", "REJECTED"],
    );

    adapter.openGate();
    await until(() => adapter.sent.includes(leaving.id), "the other message to be sent");
    const beingSent = await refusal(messages.cancelMessage({ id: leaving.id }));
    assert.equal(beingSent.code, Code.FailedPrecondition);
    assert.match(beingSent.rawMessage, /is being sent \(attempt 1\)/);

    adapter.finish(leaving.id);
    const events = await untilTerminal(messages, leaving.id);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    const finished = await refusal(messages.cancelMessage({ id: leaving.id }));
    assert.equal(finished.code, Code.FailedPrecondition);
    assert.match(finished.rawMessage, /has finished \(DELIVERED\)/);
    assert.deepEqual(adapter.sent, [leaving.id], "the cancelled message never reached the adapter");
  });

  test("another tenant's message is not found, and cancelling needs the send scope", async () => {
    const { messages } = clients(gw.gateway.url);
    adapter.open = false;
    const mine = (await messages.send({ message: chatMessage("mine") })).message!;
    const other = clients(gw.gateway.url, keys.otherTenant).messages;
    assert.equal((await refusal(other.cancelMessage({ id: mine.id }))).code, Code.NotFound);
    assert.equal((await refusal(other.cancelMessage({ id: "nope" }))).code, Code.NotFound);
    const readOnly = clients(gw.gateway.url, keys.readOnly).messages;
    assert.equal(
      (await refusal(readOnly.cancelMessage({ id: mine.id }))).code,
      Code.PermissionDenied,
    );
    assert.equal(
      (await messages.getMessage({ id: mine.id })).message?.status,
      MessageStatus.ACCEPTED,
      "a refused cancel changes nothing",
    );
  });
});

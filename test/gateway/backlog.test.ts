// A route's queue is bounded: beyond limits.maxQueuedPerRoute, Send answers
// RESOURCE_EXHAUSTED (QUEUE_FULL), stores nothing, and accepts again once
// the route drains.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code, type ConnectError } from "@connectrpc/connect";
import { ErrorCode, MessageStatus } from "@hermes/runtime/contracts";
import { clients, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { chatMessage, GatedAdapter } from "../support/gated-adapter.js";
import { until, untilTerminal } from "../support/wait.js";

describe("a bounded backlog", () => {
  const adapter = new GatedAdapter();
  let gw: TestGateway;

  before(async () => {
    gw = await startTestGateway(
      {
        limits: { maxQueuedPerRoute: 5 },
        routes: [{ name: "chat", channel: "chat", adapter: "gated" }],
      },
      { gated: () => adapter },
    );
  });
  after(() => gw.close());

  test("a full route refuses Send with RESOURCE_EXHAUSTED, stores nothing, and takes again once drained", async () => {
    const { messages } = clients(gw.gateway.url);
    const accepted: string[] = [];
    for (let i = 0; i < 5; i++)
      accepted.push((await messages.send({ message: chatMessage(`m${i}`) })).message!.id);
    await assert.rejects(
      messages.send({ message: chatMessage("one too many") }),
      (error: ConnectError) => {
        assert.equal(error.code, Code.ResourceExhausted);
        assert.match(error.rawMessage, /route chat has 5 messages waiting.*nothing was stored/);
        return true;
      },
    );
    const batch = await messages.sendBatch({ messages: [chatMessage("b0"), chatMessage("b1")] });
    for (const item of batch.results) {
      assert.equal(item.result.case, "error");
      assert.equal(item.result.case === "error" && item.result.value.code, ErrorCode.QUEUE_FULL);
    }
    const stored: string[] = [];
    const abort = new AbortController();
    const watching = (async () => {
      for await (const { event } of messages.watchEvents(
        { replay: true },
        { signal: abort.signal },
      )) {
        if (event?.status === MessageStatus.ACCEPTED) stored.push(event.messageId);
      }
    })().catch(() => {});
    await until(() => stored.length >= 5, "the replay of the accepted messages");
    abort.abort();
    await watching;
    assert.deepEqual(stored.sort(), [...accepted].sort(), "only the accepted messages were stored");

    adapter.openGate();
    for (const id of accepted) await untilTerminal(messages, id);
    const again = await messages.send({ message: chatMessage("after the drain") });
    assert.equal(again.message?.status, MessageStatus.ACCEPTED);
  });
});

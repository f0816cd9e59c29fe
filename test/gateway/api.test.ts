import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  Channel,
  DeliveryEventKind,
  MessageSchema,
  MessageStatus,
  ErrorCode,
  ErrorSchema,
} from "@hermes/runtime/contracts";
import { HttpSink } from "../support/http-sink.js";
import {
  clients,
  keys,
  startTestGateway,
  type TestGateway,
  type TransportKind,
} from "../support/gateway-harness.js";
import { untilTerminal } from "../support/wait.js";

const webhookMessage = (url: string, text = "hello") =>
  create(MessageSchema, {
    channel: Channel.WEBHOOK,
    to: { kind: { case: "url", value: url } },
    content: { text },
    metadata: { campaign: "spring" },
  });

describe("gateway API", () => {
  const sink = new HttpSink();
  let sinkUrl = "";
  let gw: TestGateway;

  before(async () => {
    sinkUrl = await sink.start();
    gw = await startTestGateway({
      routes: [
        {
          name: "hooks",
          channel: "webhook",
          adapter: "webhook",
          retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50 },
        },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await sink.close();
  });

  for (const kind of ["connect-h2", "connect-h1", "grpc", "grpc-web"] satisfies TransportKind[]) {
    test(`Send over ${kind} stores, routes and delivers the message`, async () => {
      const { messages } = clients(gw.gateway.url, keys.all, kind);
      const { message } = await messages.send({
        message: webhookMessage(`${sinkUrl}/hook`, `via ${kind}`),
      });
      assert.ok(message);
      assert.equal(message.status, MessageStatus.ACCEPTED);
      assert.equal(message.tenant, "acme");
      assert.equal(message.route, "hooks");
      const events = await untilTerminal(messages, message.id);
      assert.deepEqual(
        events.map((e) => e.status),
        [MessageStatus.ACCEPTED, MessageStatus.DELIVERED],
      );
      const delivered = sink.received.find((r) => r.headers["x-hermes-message-id"] === message.id);
      assert.ok(delivered, "the endpoint received the message");
      const body = JSON.parse(delivered.body);
      assert.equal(body.content.text, `via ${kind}`);
      assert.equal(body.metadata.campaign, "spring");
      const got = await messages.getMessage({ id: message.id });
      assert.equal(got.message?.status, MessageStatus.DELIVERED);
      assert.equal(got.message?.attempts, 1);
    });
  }

  test("plain HTTP/1.1 JSON (curl-style) sends and reads", async () => {
    const post = (method: string, body: unknown) =>
      fetch(`${gw.gateway.url}/hermes.v1.MessageService/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${keys.all}` },
        body: JSON.stringify(body),
      });
    const res = await post("Send", {
      message: {
        channel: "CHANNEL_WEBHOOK",
        to: { url: `${sinkUrl}/curl` },
        content: { text: "from curl" },
      },
    });
    assert.equal(res.status, 200);
    const sent = (await res.json()) as { message: { id: string; status: string } };
    assert.equal(sent.message.status, "MESSAGE_STATUS_ACCEPTED");
    await untilTerminal(clients(gw.gateway.url).messages, sent.message.id);
    const got = (await (await post("GetMessage", { id: sent.message.id })).json()) as {
      message: { status: string };
    };
    assert.equal(got.message.status, "MESSAGE_STATUS_DELIVERED");

    const bad = await post("Send", {
      message: { channel: "CHANNEL_SMS", to: { phone: "12" }, content: { text: "x" } },
    });
    assert.equal(bad.status, 400);
    const error = (await bad.json()) as { code: string; message: string };
    assert.equal(error.code, "invalid_argument");
    assert.match(error.message, /message\.to\.phone must be E\.164/);
  });

  test("idempotency keys deduplicate retries of Send", async () => {
    const { messages } = clients(gw.gateway.url);
    const request = webhookMessage(`${sinkUrl}/idem`);
    request.idempotencyKey = "order-42";
    const first = await messages.send({ message: request });
    const second = await messages.send({ message: request });
    assert.equal(first.duplicate, false);
    assert.equal(second.duplicate, true);
    assert.equal(second.message?.id, first.message?.id);
    // Another tenant's identical key is its own message.
    const other = await clients(gw.gateway.url, keys.otherTenant).messages.send({
      message: request,
    });
    assert.notEqual(other.message?.id, first.message?.id);
  });

  test("invalid requests get InvalidArgument with the field at fault, and nothing is stored", async () => {
    const { messages } = clients(gw.gateway.url);
    const cases: Array<[ReturnType<typeof webhookMessage>, string]> = [
      [
        create(MessageSchema, {
          channel: Channel.SMS,
          to: { kind: { case: "phone", value: "0044 12" } },
          content: { text: "x" },
        }),
        "message.to.phone",
      ],
      [
        create(MessageSchema, {
          channel: Channel.SMS,
          to: { kind: { case: "email", value: "a@b.co" } },
          content: { text: "x" },
        }),
        "message.to.email",
      ],
      [
        create(MessageSchema, {
          channel: Channel.EMAIL,
          to: { kind: { case: "email", value: "ann@example.com" } },
          content: { text: "no subject" },
        }),
        "message.content.subject",
      ],
      [
        create(MessageSchema, {
          channel: Channel.WEBHOOK,
          to: { kind: { case: "url", value: "ftp://x" } },
          content: { text: "x" },
        }),
        "message.to.url",
      ],
      [
        create(MessageSchema, {
          channel: Channel.WEBHOOK,
          to: { kind: { case: "url", value: `${sinkUrl}/x` } },
        }),
        "message.content",
      ],
      [
        create(MessageSchema, {
          to: { kind: { case: "url", value: `${sinkUrl}/x` } },
          content: { text: "x" },
        }),
        "message.channel",
      ],
      [
        create(MessageSchema, {
          channel: Channel.WEBHOOK,
          to: { kind: { case: "url", value: `${sinkUrl}/x` } },
          content: { text: "x".repeat(5 * 1024 * 1024) },
        }),
        "message",
      ],
    ];
    const before = sink.received.length;
    for (const [message, field] of cases) {
      const error = await messages.send({ message }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      assert.ok(error, `expected ${field} to be refused`);
      assert.equal(error.code, Code.InvalidArgument, error.message);
      const [detail] = error.findDetails(ErrorSchema);
      assert.equal(detail?.code, ErrorCode.INVALID_ARGUMENT);
      assert.equal(detail?.field, field);
      assert.equal(detail?.retryable, false);
    }
    const missing = await messages.send({}).catch((e: unknown) => ConnectError.from(e));
    assert.equal((missing as ConnectError).code, Code.InvalidArgument);
    assert.equal(sink.received.length, before, "nothing was sent");
  });

  test("SendBatch accepts the valid messages and reports the invalid ones by index", async () => {
    const { messages } = clients(gw.gateway.url);
    const bad = create(MessageSchema, {
      channel: Channel.WEBHOOK,
      to: { kind: { case: "url", value: "nope" } },
      content: { text: "x" },
    });
    const { results } = await messages.sendBatch({
      messages: [webhookMessage(`${sinkUrl}/b0`), bad, webhookMessage(`${sinkUrl}/b2`)],
    });
    assert.deepEqual(
      results.map((r) => r.result.case),
      ["message", "error", "message"],
    );
    assert.equal(
      results[1].result.case === "error" && results[1].result.value.field,
      "messages[1].to.url",
    );
    for (const r of results)
      if (r.result.case === "message") await untilTerminal(messages, r.result.value.id);
    const empty = await messages
      .sendBatch({ messages: [] })
      .catch((e: unknown) => ConnectError.from(e));
    assert.equal((empty as ConnectError).code, Code.InvalidArgument);
  });

  test("API keys: missing or unknown is Unauthenticated, a missing scope is PermissionDenied, tenants are isolated", async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => Code.Unknown,
        (e: unknown) => ConnectError.from(e).code,
      );
    assert.equal(
      await code(clients(gw.gateway.url, "").messages.send({ message: webhookMessage(sinkUrl) })),
      Code.Unauthenticated,
    );
    assert.equal(
      await code(
        clients(gw.gateway.url, "wrong").messages.send({ message: webhookMessage(sinkUrl) }),
      ),
      Code.Unauthenticated,
    );
    assert.equal(
      await code(
        clients(gw.gateway.url, keys.readOnly).messages.send({ message: webhookMessage(sinkUrl) }),
      ),
      Code.PermissionDenied,
    );
    assert.equal(
      await code(clients(gw.gateway.url, keys.sendOnly).admin.getHealth({})),
      Code.PermissionDenied,
    );
    const { message } = await clients(gw.gateway.url, keys.sendOnly).messages.send({
      message: webhookMessage(`${sinkUrl}/scoped`),
    });
    assert.equal(
      await code(clients(gw.gateway.url, keys.sendOnly).messages.getMessage({ id: message!.id })),
      Code.PermissionDenied,
    );
    assert.equal(
      await code(
        clients(gw.gateway.url, keys.otherTenant).messages.getMessage({ id: message!.id }),
      ),
      Code.NotFound,
    );
    const mine = await clients(gw.gateway.url, keys.readOnly).messages.getMessage({
      id: message!.id,
    });
    assert.equal(mine.message?.id, message!.id);
  });

  test("a channel with no route is REJECTED with NO_ROUTE, and reported", async () => {
    const { messages } = clients(gw.gateway.url);
    const { message } = await messages.send({
      message: create(MessageSchema, {
        channel: Channel.PUSH,
        to: { kind: { case: "deviceToken", value: "tok" } },
        content: { text: "x" },
      }),
    });
    assert.equal(message?.status, MessageStatus.REJECTED);
    assert.equal(message?.error?.code, ErrorCode.NO_ROUTE);
    const got = await messages.getMessage({ id: message!.id });
    assert.equal(got.message?.status, MessageStatus.REJECTED);
  });

  test("temporary endpoint failures are retried with events; permanent ones fail with the reason", async () => {
    const { messages } = clients(gw.gateway.url);
    let calls = 0;
    sink.answer = (r) => {
      if (r.url === "/flaky") return ++calls < 3 ? { status: 503, body: "busy" } : { status: 200 };
      if (r.url === "/gone") return { status: 410, body: "no such hook" };
      if (r.url === "/down") return { status: 500 };
      return { status: 200 };
    };
    try {
      const flaky = await messages.send({ message: webhookMessage(`${sinkUrl}/flaky`) });
      const flakyEvents = await untilTerminal(messages, flaky.message!.id);
      assert.deepEqual(
        flakyEvents.map((e) => [DeliveryEventKind[e.kind], MessageStatus[e.status]]),
        [
          ["STATUS", "ACCEPTED"],
          ["RETRYING", "QUEUED"],
          ["RETRYING", "QUEUED"],
          ["STATUS", "DELIVERED"],
        ],
      );
      assert.equal(flakyEvents[1].error?.providerCode, "503");

      const gone = await messages.send({ message: webhookMessage(`${sinkUrl}/gone`) });
      const goneEvents = await untilTerminal(messages, gone.message!.id);
      const failed = goneEvents.at(-1)!;
      assert.equal(failed.status, MessageStatus.FAILED);
      assert.equal(failed.error?.code, ErrorCode.PROVIDER_REJECTED);
      assert.match(failed.error?.message ?? "", /410: no such hook/);

      const down = await messages.send({ message: webhookMessage(`${sinkUrl}/down`) });
      const downEvents = await untilTerminal(messages, down.message!.id);
      assert.equal(downEvents.at(-1)!.error?.code, ErrorCode.RETRIES_EXHAUSTED);
      assert.equal((await messages.getMessage({ id: down.message!.id })).message?.attempts, 3);
    } finally {
      sink.answer = () => ({ status: 200 });
    }
  });

  test("GetHealth serves the supervision tree and route states; /metrics serves Prometheus text", async () => {
    const health = await clients(gw.gateway.url).admin.getHealth({});
    assert.equal(health.supervisionTree?.name, "hermes");
    assert.ok(
      health.supervisionTree?.children.some((c) => c.name === "route:hooks"),
      "a supervisor per route",
    );
    assert.deepEqual(
      health.routes.map((r) => [r.name, r.adapter]),
      [["hooks", "webhook"]],
    );
    const metrics = await (await fetch(`${gw.gateway.url}/metrics`)).text();
    assert.match(metrics, /hermes_messages_accepted_total\{channel="WEBHOOK",tenant="acme"\} \d+/);
    assert.match(metrics, /hermes_rpc_duration_seconds_bucket/);
    assert.match(
      metrics,
      /hermes_messages_finished_total\{route="hooks",status="DELIVERED"\} [1-9]/,
      "finished messages are counted on their route",
    );
  });
});

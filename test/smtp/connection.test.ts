import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  ContentSchema,
  DeliveryEventKind,
  MessageStatus,
  ErrorCode,
  RouteState,
} from "@hermes/runtime/contracts";
import { KumoSimulator, selfSignedCertificate } from "@hermes/runtime/simulators";
import { untilTerminal } from "../support/wait.js";
import {
  email,
  secretHeader,
  startKumoRoute,
  untilRouteState,
  webhookSecret,
} from "./kumomta-fixture.js";

describe("the SMTP session to KumoMTA", () => {
  test("with certificate verification on (the default), KumoMTA's self-signed STARTTLS certificate takes the route DOWN with a clear reason and nothing is sent", async () => {
    const route = await startKumoRoute({ smtp: { tls: { rejectUnauthorized: true } } });
    try {
      const health = await untilRouteState(route, RouteState.DOWN);
      assert.match(health.reason ?? "", /TLS with KumoMTA failed: .*self[- ]signed certificate/i);
      const { message } = await route.api.messages.send({ message: email("dan@example.com") });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const { message: stored } = await route.api.messages.getMessage({ id: message!.id });
      assert.equal(
        stored?.status,
        MessageStatus.ACCEPTED,
        "the message waits for a connection instead of failing",
      );
      assert.equal(route.sim.counters.received, 0);
      const { routes } = await route.api.admin.getHealth({});
      assert.equal(routes[0].state, RouteState.DOWN);
      assert.match(routes[0].reason, /certificate/);
    } finally {
      await route.close();
    }
  });

  test("with verification on and KumoMTA's certificate trusted as CA, STARTTLS verifies and mail flows", async () => {
    const route = await startKumoRoute({
      smtp: {
        tls: { rejectUnauthorized: true, ca: selfSignedCertificate, servername: "kumomta.sim" },
      },
    });
    try {
      await untilRouteState(route, RouteState.UP);
      const { message } = await route.api.messages.send({ message: email("dora@example.com") });
      assert.equal(
        (await untilTerminal(route.api.messages, message!.id)).at(-1)!.status,
        MessageStatus.DELIVERED,
      );
    } finally {
      await route.close();
    }
  });

  test("KumoMTA's size limit refuses a message too big with 552 5.3.4, permanently", async () => {
    const route = await startKumoRoute({ sim: { maxMessageSize: 4096 } });
    try {
      await untilRouteState(route, RouteState.UP);
      const content = create(ContentSchema, { subject: "big", text: "x".repeat(10_000) });
      const { message } = await route.api.messages.send({
        message: email("ed@example.com", { content }),
      });
      const last = (await untilTerminal(route.api.messages, message!.id)).at(-1)!;
      assert.equal(last.error?.code, ErrorCode.PROVIDER_REJECTED);
      assert.equal(last.error?.providerCode, "552 5.3.4");
      assert.match(last.error!.message, /message too big/);
    } finally {
      await route.close();
    }
  });

  test("AUTH PLAIN after STARTTLS lets a client relay that KumoMTA would not relay for by address", async () => {
    const sim = { authUsers: { hermes: "s3cret" }, relayHosts: [] };
    const good = await startKumoRoute({ sim, smtp: { auth: { user: "hermes", pass: "s3cret" } } });
    try {
      await untilRouteState(good, RouteState.UP);
      const { message } = await good.api.messages.send({ message: email("erin@example.com") });
      const events = await untilTerminal(good.api.messages, message!.id);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
    } finally {
      await good.close();
    }
    const bad = await startKumoRoute({ sim, smtp: { auth: { user: "hermes", pass: "wrong" } } });
    try {
      const health = await untilRouteState(bad, RouteState.DOWN);
      assert.match(health.reason ?? "", /AUTH PLAIN.*535 5\.7\.8 AUTH invalid/);
    } finally {
      await bad.close();
    }
  });

  test("without AUTH, a peer outside relay_hosts is refused at RCPT with KumoMTA's relaying reply", async () => {
    const route = await startKumoRoute({ sim: { relayHosts: [] } });
    try {
      await untilRouteState(route, RouteState.UP);
      const { message } = await route.api.messages.send({ message: email("fred@example.com") });
      const events = await untilTerminal(route.api.messages, message!.id);
      const last = events.at(-1)!;
      assert.equal(
        last.error?.code,
        ErrorCode.PROVIDER_REJECTED,
        JSON.stringify(events.map((e) => [e.status, e.error?.message])),
      );
      assert.equal(last.error?.providerCode, "550 5.7.1");
      assert.match(last.error!.message, /relaying not permitted/);
    } finally {
      await route.close();
    }
  });

  test("a refused connection is retried with backoff and the waiting message goes once KumoMTA is up", async () => {
    // Find a free port, then start the gateway against it while nothing listens there.
    const probe = await KumoSimulator.start({ httpPort: false });
    const port = probe.smtpPort;
    await probe.close();
    const route = await startKumoRoute({
      smtpPort: port,
      smtp: { reconnect: { initialMs: 20, maxMs: 100 } },
    });
    let late: KumoSimulator | undefined;
    try {
      const health = await untilRouteState(route, RouteState.DOWN);
      assert.match(health.reason ?? "", /cannot connect to KumoMTA/);
      const { message } = await route.api.messages.send({ message: email("gina@example.com") });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { message: waiting } = await route.api.messages.getMessage({ id: message!.id });
      assert.equal(waiting?.status, MessageStatus.ACCEPTED);
      assert.equal(waiting?.attempts, 0, "no attempt is wasted while KumoMTA is down");
      late = await KumoSimulator.start({ smtpPort: port, httpPort: false, stepDelayMs: 2 });
      await late.attachLogHook({
        url: `${route.gw.gateway.url}/webhooks/mail`,
        headers: { [secretHeader]: webhookSecret },
      });
      const events = await untilTerminal(route.api.messages, message!.id);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
      const { nodes } = await route.api.admin
        .getHealth({})
        .then((h) => ({ nodes: JSON.stringify(h.supervisionTree) }));
      assert.match(nodes, /kumomta-session:mail/, "the session is in the supervision tree");
    } finally {
      await route.close();
      await late?.close();
    }
  });

  test("a connection lost after the data, before KumoMTA's reply, fails the send as CONNECTION_LOST; the session reconnects and the retry delivers", async () => {
    const route = await startKumoRoute();
    try {
      await untilRouteState(route, RouteState.UP);
      const { message } = await route.api.messages.send({
        message: email("drop-once@example.com"),
      });
      const events = await untilTerminal(route.api.messages, message!.id);
      const retry = events.find((e) => e.kind === DeliveryEventKind.RETRYING);
      assert.equal(
        retry?.error?.code,
        ErrorCode.CONNECTION_LOST,
        `the outcome of the first attempt is unknown: ${retry?.error?.message} ${JSON.stringify(retry?.detail)}`,
      );
      assert.equal(retry?.error?.retryable, true);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
      const tree = JSON.stringify((await route.api.admin.getHealth({})).supervisionTree);
      assert.match(
        tree,
        /"name":"kumomta-session:mail".*?"restarts":1/,
        "the session crashed and was restarted once",
      );
    } finally {
      await route.close();
    }
  });
});

describe("HTTP injection (POST /api/inject/v1)", () => {
  test("injects through KumoMTA's HTTP API and correlates its records by the Hermes id header", async () => {
    const route = await startKumoRoute({ config: { injection: "http" } });
    try {
      const { message } = await route.api.messages.send({
        message: email("Ivy <ivy@example.com>"),
      });
      const events = await untilTerminal(route.api.messages, message!.id);
      assert.deepEqual(
        events.filter((e) => e.kind === 1).map((e) => MessageStatus[e.status]),
        ["ACCEPTED", "SUBMITTED", "DELIVERED"],
      );
      const spooled = route.sim.spool.messages.at(-1)!;
      assert.equal(spooled.receptionProtocol, "HTTP");
      assert.equal(spooled.headers.get("x-hermes-message-id")?.[1], message!.id);
      assert.equal(spooled.queue, "spring:acme@example.com");
      const { message: bounced } = await route.api.messages.send({
        message: email("permfail@example.com"),
      });
      const failed = (await untilTerminal(route.api.messages, bounced!.id)).at(-1)!;
      assert.equal(failed.error?.code, ErrorCode.INVALID_RECIPIENT);
      const { message: refused } = await route.api.messages.send({
        message: email("reject-rcpt@example.com"),
      });
      const rejected = (await untilTerminal(route.api.messages, refused!.id)).at(-1)!;
      assert.equal(rejected.error?.code, ErrorCode.PROVIDER_REJECTED);
      assert.match(rejected.error!.message, /550 5\.1\.1/);
    } finally {
      await route.close();
    }
  });
});

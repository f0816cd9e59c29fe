import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageStatus } from "../../runtime/src/gen/hermes/v1/message_pb.js";
import { ErrorCode } from "../../runtime/src/gen/hermes/v1/error_pb.js";
import { RouteState } from "../../runtime/src/gen/hermes/v1/admin_service_pb.js";
import { KumoSimulator } from "../../runtime/src/simulators/kumomta/index.js";
import { untilTerminal } from "../support/wait.js";
import { email, secretHeader, startKumoRoute, untilRouteState, webhookSecret } from "./kumomta-fixture.js";

describe("the SMTP session to KumoMTA", () => {
  test("with certificate verification on (the default), KumoMTA's self-signed STARTTLS certificate takes the route DOWN with a clear reason and nothing is sent", async () => {
    const route = await startKumoRoute({ smtp: { tls: { rejectUnauthorized: true } } });
    try {
      const health = await untilRouteState(route, RouteState.DOWN);
      assert.match(health.reason ?? "", /TLS with KumoMTA failed: .*self[- ]signed certificate/i);
      const { message } = await route.api.messages.send({ message: email("dan@example.com") });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const { message: stored } = await route.api.messages.getMessage({ id: message!.id });
      assert.equal(stored?.status, MessageStatus.ACCEPTED, "the message waits for a connection instead of failing");
      assert.equal(route.sim.counters.received, 0);
      const { routes } = await route.api.admin.getHealth({});
      assert.equal(routes[0].state, RouteState.DOWN);
      assert.match(routes[0].reason, /certificate/);
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
      assert.equal(last.error?.code, ErrorCode.PROVIDER_REJECTED, JSON.stringify(events.map((e) => [e.status, e.error?.message])));
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
    const route = await startKumoRoute({ smtpPort: port, smtp: { reconnect: { initialMs: 20, maxMs: 100 } } });
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
      await late.attachLogHook({ url: `${route.gw.gateway.url}/webhooks/mail`, headers: { [secretHeader]: webhookSecret } });
      const events = await untilTerminal(route.api.messages, message!.id);
      assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
      const { nodes } = await route.api.admin.getHealth({}).then((h) => ({ nodes: JSON.stringify(h.supervisionTree) }));
      assert.match(nodes, /kumomta-session:mail/, "the session is in the supervision tree");
    } finally {
      await route.close();
      await late?.close();
    }
  });

  test("a connection lost mid-stream fails in-flight sends retryably and they go after reconnecting", async () => {
    const route = await startKumoRoute();
    try {
      await untilRouteState(route, RouteState.UP);
      const port = route.sim.smtpPort;
      await route.sim.close(); // KumoMTA goes away: open connections get 421
      const { message } = await route.api.messages.send({ message: email("hank@example.com") });
      await untilRouteState(route, RouteState.DOWN).catch(() => undefined);
      const back = await KumoSimulator.start({ smtpPort: port, httpPort: false, stepDelayMs: 2 });
      try {
        await back.attachLogHook({ url: `${route.gw.gateway.url}/webhooks/mail`, headers: { [secretHeader]: webhookSecret } });
        const events = await untilTerminal(route.api.messages, message!.id);
        assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
      } finally {
        await back.close();
      }
    } finally {
      await route.gw.close();
    }
  });
});

describe("HTTP injection (POST /api/inject/v1)", () => {
  test("injects through KumoMTA's HTTP API and correlates its records by the Hermes id header", async () => {
    const route = await startKumoRoute({ config: { injection: "http" } });
    try {
      const { message } = await route.api.messages.send({ message: email("Ivy <ivy@example.com>") });
      const events = await untilTerminal(route.api.messages, message!.id);
      assert.deepEqual(events.filter((e) => e.kind === 1).map((e) => MessageStatus[e.status]), ["ACCEPTED", "SUBMITTED", "DELIVERED"]);
      const spooled = route.sim.spool.messages.at(-1)!;
      assert.equal(spooled.receptionProtocol, "HTTP");
      assert.equal(spooled.headers.get("x-hermes-message-id")?.[1], message!.id);
      assert.equal(spooled.queue, "spring:acme@example.com");
      const { message: bounced } = await route.api.messages.send({ message: email("permfail@example.com") });
      const failed = (await untilTerminal(route.api.messages, bounced!.id)).at(-1)!;
      assert.equal(failed.error?.code, ErrorCode.INVALID_RECIPIENT);
      const { message: refused } = await route.api.messages.send({ message: email("reject-rcpt@example.com") });
      const rejected = (await untilTerminal(route.api.messages, refused!.id)).at(-1)!;
      assert.equal(rejected.error?.code, ErrorCode.PROVIDER_REJECTED);
      assert.match(rejected.error!.message, /550 5\.1\.1/);
    } finally {
      await route.close();
    }
  });
});

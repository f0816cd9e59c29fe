// End to end: a real gateway on loopback, driven only through the CLI, in
// process (`hermes`) and as the real executable in a child process.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RouteState } from "@hermes/runtime/contracts";
import type { ChannelAdapter } from "@hermes/runtime";
import { parseConfig, startGateway, type Gateway } from "@hermes/runtime";
import { pino } from "pino";
import { HttpSink } from "../../test/support/http-sink.js";
import {
  keys,
  startTestGateway,
  testApiKeys,
  type TestGateway,
} from "../../test/support/gateway-harness.js";
import { hermes, spawnHermes, startHermes } from "./support/run-cli.js";
import { ExitCode } from "../src/errors/exit-codes.js";

/** An SMS adapter that delivers at once and whose health the test sets. */
function switchableAdapter(): {
  adapter: ChannelAdapter;
  setState(state: RouteState, reason?: string): void;
} {
  let health: { state: RouteState; reason?: string } = { state: RouteState.UP };
  let n = 0;
  return {
    setState: (state, reason) => {
      health = { state, reason };
    },
    adapter: {
      type: "switch",
      start: async () => {},
      demand: () => 8,
      send: async () => ({ kind: "delivered", providerMessageId: `sim-${++n}` }),
      health: () => health,
      stop: async () => {},
    },
  };
}

describe("hermes against a real gateway", () => {
  const sink = new HttpSink();
  const sms = switchableAdapter();
  let sinkUrl = "";
  let gw: TestGateway;
  let server = "";
  const as = (key: string = keys.all) => ["--server", server, "--token", key];

  before(async () => {
    sinkUrl = await sink.start();
    sink.answer = (req) =>
      req.url.startsWith("/reject")
        ? { status: 400, body: "bad request" }
        : { status: 200, body: "ok" };
    gw = await startTestGateway(
      {
        routes: [
          {
            name: "hooks",
            channel: "webhook",
            adapter: "webhook",
            retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
          },
          { name: "sms-sim", channel: "sms", adapter: "switch" },
        ],
      },
      { switch: () => sms.adapter },
    );
    server = gw.gateway.url;
  });
  after(async () => {
    await gw.close();
    await sink.close();
  });

  test("send --wait delivers and exits 0; status shows the message and its history", async () => {
    const sent = await hermes(
      "send",
      ...as(),
      "--channel",
      "webhook",
      "--to",
      `${sinkUrl}/ok`,
      "--body",
      "hello from the CLI",
      "-m",
      "campaign=spring",
      "--wait",
    );
    assert.equal(sent.exitCode, 0, sent.stderr);
    const id = /^(\S+)\s+accepted/m.exec(sent.stdout)?.[1];
    assert.ok(id, sent.stdout);
    assert.match(sent.stdout, new RegExp(`${id}\\s+delivered after 1 attempt`));
    const received = sink.received.find((r) => r.headers["x-hermes-message-id"] === id);
    assert.ok(received, "the endpoint got the message");
    assert.equal(JSON.parse(received.body).content.text, "hello from the CLI");

    const status = await hermes("status", id, ...as());
    assert.equal(status.exitCode, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^${id}\\s+delivered`, "m"));
    assert.match(status.stdout, /route\s+hooks/);
    assert.match(status.stdout, /metadata\s+campaign=spring/);
    assert.match(status.stdout, /status\s+accepted[\s\S]*status\s+delivered/);

    const json = await hermes("status", id, ...as(), "--json");
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.message.status, "MESSAGE_STATUS_DELIVERED");
    assert.deepEqual(
      parsed.events.map((e: { status: string }) => e.status),
      ["MESSAGE_STATUS_ACCEPTED", "MESSAGE_STATUS_DELIVERED"],
    );
  });

  test("send --json --wait prints the final message and its events; --http1 works the same", async () => {
    const { stdout, exitCode } = await hermes(
      "send",
      ...as(),
      "--http1",
      "-c",
      "sms",
      "-t",
      "+447700900123",
      "-b",
      "code 123456",
      "--wait",
      "--json",
    );
    assert.equal(exitCode, 0);
    const out = JSON.parse(stdout);
    assert.equal(out.message.status, "MESSAGE_STATUS_DELIVERED");
    assert.equal(out.message.route, "sms-sim");
    assert.equal(out.message.to.phone, "+447700900123");
    assert.equal(out.duplicate, false);
    assert.equal(out.events.at(-1).status, "MESSAGE_STATUS_DELIVERED");
  });

  test("a message that fails exits 8 with the provider's reason and where to look", async () => {
    const { exitCode, stderr } = await hermes(
      "send",
      ...as(),
      "-c",
      "webhook",
      "--to",
      `${sinkUrl}/reject`,
      "-b",
      "x",
      "--wait",
    );
    assert.equal(exitCode, ExitCode.Undelivered);
    assert.match(stderr, /was not delivered: failed \[provider_rejected\]/);
    assert.match(stderr, /hermes status \S+/);
  });

  test("a message no route serves is rejected at once: exit 8 even without --wait", async () => {
    const { exitCode, stdout, stderr } = await hermes(
      "send",
      ...as(),
      "-c",
      "push",
      "--to",
      "device-token-1",
      "-s",
      "title",
      "-b",
      "x",
    );
    assert.equal(exitCode, ExitCode.Undelivered);
    assert.match(stdout, /^\S+\s+rejected/m);
    assert.match(stderr, /\[no_route\] no route serves PUSH/);
  });

  test("an invalid recipient is refused by the gateway: exit 5 naming the field", async () => {
    const { exitCode, stderr } = await hermes(
      "send",
      ...as(),
      "-c",
      "sms",
      "--to",
      "not-a-number",
      "-b",
      "x",
    );
    assert.equal(exitCode, ExitCode.Rejected);
    assert.match(stderr, /message\.to\.phone/);
    assert.match(stderr, /E\.164/);
  });

  test("the same idempotency key returns the first message", async () => {
    const send = [
      "send",
      ...as(),
      "-c",
      "sms",
      "-t",
      "+447700900124",
      "-b",
      "once",
      "-k",
      "order-42",
    ];
    const first = JSON.parse((await hermes(...send, "--json")).stdout);
    const again = await hermes(...send);
    assert.equal(again.exitCode, 0);
    assert.match(
      again.stdout,
      new RegExp(`^${first.message.id}\\s.*earlier send with this idempotency key`, "m"),
    );
  });

  test("a message from a file on stdin, in the real executable", async () => {
    const message = {
      channel: "sms",
      to: { phone: "+447700900125" },
      content: { text: "from stdin" },
    };
    const { exitCode, stdout, stderr } = await spawnHermes(
      ["send", ...as(), "--file", "-", "--wait", "--json"],
      { input: JSON.stringify(message) },
    );
    assert.equal(exitCode, 0, stderr);
    assert.equal(JSON.parse(stdout).message.content.text, "from stdin");
  });

  test("auth failures exit 4 and say where the token came from", async () => {
    const unknown = await hermes("status", "x", ...as("wrong-key"));
    assert.equal(unknown.exitCode, ExitCode.Auth);
    assert.match(unknown.stderr, /refused the token from --token/);
    const scope = await hermes("health", ...as(keys.sendOnly));
    assert.equal(scope.exitCode, ExitCode.Auth);
    assert.match(scope.stderr, /admin/);
  });

  test("status of an unknown id exits 6", async () => {
    const { exitCode, stderr } = await hermes("status", "01NOSUCHMESSAGE", ...as());
    assert.equal(exitCode, ExitCode.NotFound);
    assert.match(stderr, /01NOSUCHMESSAGE not found/);
  });

  test("watch replays from a sequence, then streams live events (NDJSON with --json)", async () => {
    const before = JSON.parse(
      (
        await hermes(
          "send",
          ...as(),
          "-c",
          "sms",
          "-t",
          "+447700900126",
          "-b",
          "marker",
          "--wait",
          "--json",
        )
      ).stdout,
    );
    const since = before.events.at(-1).sequence as string;
    const watch = startHermes([
      "watch",
      ...as(),
      "--since",
      since,
      "--channel",
      "sms",
      "--count",
      "2",
      "--json",
    ]);
    const sent = JSON.parse(
      (await hermes("send", ...as(), "-c", "sms", "-t", "+447700900127", "-b", "live", "--json"))
        .stdout,
    );
    const { exitCode, stdout } = await watch.exited;
    assert.equal(exitCode, 0);
    const events = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      events.map((e) => [e.messageId, e.status]),
      [
        [sent.message.id, "MESSAGE_STATUS_ACCEPTED"],
        [sent.message.id, "MESSAGE_STATUS_DELIVERED"],
      ],
    );
    assert.ok(BigInt(events[0].sequence) > BigInt(since));
  });

  test("watch filters by status and gives up with exit 11 when --count is not reached in --timeout", async () => {
    const { exitCode, stderr } = await hermes(
      "watch",
      ...as(),
      "--message",
      "01NOSUCHMESSAGE",
      "--since",
      "0",
      "--count",
      "1",
      "--timeout",
      "1",
    );
    assert.equal(exitCode, ExitCode.Timeout);
    assert.match(stderr, /saw 0 of 1 events in 1 s/);
  });

  test("health draws the supervision tree and the routes; a route down exits 9", async () => {
    const healthy = await hermes("health", ...as());
    assert.equal(healthy.exitCode, 0, healthy.stderr);
    assert.match(healthy.stdout, /^Hermes \S+ · healthy · up /m);
    assert.match(healthy.stdout, /^hermes\s+supervisor one_for_one\s+running/m);
    assert.match(healthy.stdout, /^[├└]── route:hooks\s+supervisor/m);
    assert.match(healthy.stdout, /hooks\s+webhook\s+webhook\s+up/);
    assert.match(healthy.stdout, /sms-sim\s+sms\s+switch\s+up/);

    sms.setState(RouteState.DOWN, "carrier bind lost");
    try {
      const down = await hermes("health", ...as());
      assert.equal(down.exitCode, ExitCode.Unhealthy);
      assert.match(down.stdout, /unhealthy/);
      assert.match(down.stderr, /1 of 2 routes are not up: sms-sim down \(carrier bind lost\)/);
      const json = await hermes("health", ...as(), "--json");
      assert.equal(json.exitCode, ExitCode.Unhealthy);
      const parsed = JSON.parse(json.stdout);
      assert.equal(parsed.healthy ?? false, false);
      assert.equal(
        parsed.routes.find((r: { name: string }) => r.name === "sms-sim").state,
        "ROUTE_STATE_DOWN",
      );
      assert.equal(parsed.supervisionTree.name, "hermes");
    } finally {
      sms.setState(RouteState.UP);
    }
  });
});

describe("watch across a gateway restart", () => {
  test("reconnects and resumes after the last event it printed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hermes-cli-restart-"));
    const sms = switchableAdapter();
    const start = (port: number) =>
      startGateway({
        config: parseConfig({
          server: { host: "127.0.0.1", port },
          apiKeys: testApiKeys,
          store: { path: join(dir, "hermes.db"), synchronous: "NORMAL" },
          routes: [{ name: "sms", channel: "sms", adapter: "switch" }],
        }),
        adapters: { switch: () => sms.adapter },
        logger: pino({ level: "silent" }),
      });
    let gateway: Gateway = await start(0);
    const server = gateway.url;
    const as = ["--server", server, "--token", keys.all];
    try {
      const first = JSON.parse(
        (
          await hermes(
            "send",
            ...as,
            "-c",
            "sms",
            "-t",
            "+447700900130",
            "-b",
            "before",
            "--wait",
            "--json",
          )
        ).stdout,
      );
      const watch = startHermes(["watch", ...as, "--since", "0", "--count", "4", "--json"]);
      await watch.waitFor("stdout", /MESSAGE_STATUS_DELIVERED/);
      await gateway.close();
      await watch.waitFor("stderr", /reconnecting/);
      gateway = await start(gateway.port);
      const second = JSON.parse(
        (await hermes("send", ...as, "-c", "sms", "-t", "+447700900131", "-b", "after", "--json"))
          .stdout,
      );
      const { exitCode, stdout } = await watch.exited;
      assert.equal(exitCode, 0);
      const seen = stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      assert.deepEqual(
        seen.map((e) => [e.messageId, e.status]),
        [
          [first.message.id, "MESSAGE_STATUS_ACCEPTED"],
          [first.message.id, "MESSAGE_STATUS_DELIVERED"],
          [second.message.id, "MESSAGE_STATUS_ACCEPTED"],
          [second.message.id, "MESSAGE_STATUS_DELIVERED"],
        ],
      );
    } finally {
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("serve and dev", () => {
  test("serve runs the configured gateway until SIGTERM, then exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hermes-cli-serve-"));
    try {
      const config = join(dir, "hermes.config.json");
      writeFileSync(
        config,
        JSON.stringify({
          apiKeys: [{ key: "serve-key", tenant: "t1", scopes: ["send", "read", "admin"] }],
          routes: [{ name: "hooks", channel: "webhook", adapter: "webhook" }],
          logLevel: "warn",
        }),
      );
      const serve = startHermes([
        "serve",
        "--config",
        config,
        "--port",
        "0",
        "--db",
        join(dir, "h.db"),
      ]);
      const [, url] = await serve.waitFor("stderr", /listening on (http:\/\/\S+)/);
      const health = await hermes("health", "--server", url, "--token", "serve-key");
      assert.equal(health.exitCode, 0, health.stderr);
      assert.match(health.stdout, /hooks\s+webhook\s+webhook\s+up/);
      const noToken = await hermes("health", "--server", url, "--token", "hermes-dev-key");
      assert.equal(
        noToken.exitCode,
        ExitCode.Auth,
        "a configured gateway does not take the dev key",
      );
      serve.child.kill("SIGTERM");
      assert.equal((await serve.exited).exitCode, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("dev starts a gateway the CLI reaches with no token, and prints how to send", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hermes-cli-dev-"));
    try {
      const dev = startHermes(["dev", "--port", "0", "--db", join(dir, "dev.db")], {
        env: { HERMES_CONFIG: "" },
      });
      const [, url] = await dev.waitFor("stdout", /listening on (http:\/\/127\.0\.0\.1:\d+)/);
      await dev.waitFor("stdout", /Ctrl-C stops it/);
      const out = (await dev.waitFor("stdout", /[\s\S]*/))[0];
      assert.match(out, /hermes send --server http:\/\/127\.0\.0\.1:\d+ --channel webhook/);
      // No --token: the CLI sends the dev key to a loopback gateway by itself.
      const health = await hermes("health", "--server", url);
      assert.ok([ExitCode.Ok, ExitCode.Unhealthy].includes(health.exitCode), health.stderr);
      assert.match(health.stdout, /^Hermes \S+ · /m);
      const status = await hermes("status", "01NOSUCHMESSAGE", "--server", url);
      assert.equal(status.exitCode, ExitCode.NotFound, status.stderr);
      dev.child.kill("SIGINT");
      assert.equal((await dev.exited).exitCode, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

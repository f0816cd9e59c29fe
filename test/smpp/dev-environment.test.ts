import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { parseConfig } from "@hermes/runtime";
import { devApiKey, startDevEnvironment } from "@hermes/runtime/dev";
import { Channel, MessageSchema, MessageStatus } from "@hermes/runtime/contracts";
import { clients } from "../support/gateway-harness.js";
import { untilTerminal } from "../support/wait.js";

test("the dev environment starts the SMSC simulator and an sms route that delivers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hermes-dev-smsc-"));
  const env = await startDevEnvironment(
    parseConfig({
      server: { host: "127.0.0.1", port: 0 },
      store: { path: join(dir, "dev.db"), synchronous: "NORMAL" },
    }),
    pino({ level: "silent" }),
  );
  try {
    const smsc = env.services.find((s) => s.name === "smsc");
    assert.ok(smsc, "the simulator is a dev service");
    assert.match(smsc.description, /SMPP 3\.4/);
    const { messages } = clients(env.gateway.url, devApiKey);
    const { message } = await messages.send({
      message: create(MessageSchema, {
        channel: Channel.SMS,
        to: { kind: { case: "phone", value: "+447700900123" } },
        content: { text: "hello from dev" },
      }),
    });
    assert.equal(message?.route, "sms");
    const events = await untilTerminal(messages, message!.id);
    assert.equal(events.at(-1)!.status, MessageStatus.DELIVERED);
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Channel } from "@hermes/runtime/contracts";
import { buildMessage } from "../src/messages/build-message.js";
import { Failure } from "../src/errors/failure.js";
import { ExitCode } from "../src/errors/exit-codes.js";

describe("building the message to send", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "hermes-cli-msg-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const usage = (pattern: RegExp) => (e: unknown) =>
    e instanceof Failure && e.exitCode === ExitCode.Usage && pattern.test(e.message);

  test("each channel puts --to and --from in its own kind of address", () => {
    const cases = [
      ["sms", "phone"],
      ["email", "email"],
      ["push", "deviceToken"],
      ["chat", "chatId"],
      ["webhook", "url"],
    ] as const;
    for (const [channel, kind] of cases) {
      const m = buildMessage({ channel, to: "recipient", from: "sender", body: "hi" });
      assert.equal(m.to?.kind.case, kind);
      assert.equal(m.to?.kind.value, "recipient");
      assert.equal(m.from?.kind.case, kind);
    }
  });

  test("email takes subject, html from a file (@path), metadata, idempotency key and priority", () => {
    const html = join(dir, "welcome.html");
    writeFileSync(html, "<h1>Welcome</h1>");
    const m = buildMessage({
      channel: "email",
      to: "ann@example.com",
      subject: "Welcome",
      html: `@${html}`,
      body: "@@literal",
      metadata: ["campaign=spring", "user=42=x"],
      idempotencyKey: "k1",
      priority: 7,
    });
    assert.equal(m.channel, Channel.EMAIL);
    assert.equal(m.content?.html, "<h1>Welcome</h1>");
    assert.equal(m.content?.text, "@literal", "@@ escapes a literal @");
    assert.equal(m.content?.subject, "Welcome");
    assert.deepEqual({ ...m.metadata }, { campaign: "spring", user: "42=x" });
    assert.equal(m.idempotencyKey, "k1");
    assert.equal(m.priority, 7);
  });

  test("a file is the base, flags override it, and stdin works with -", () => {
    const file = join(dir, "template.json");
    writeFileSync(
      file,
      JSON.stringify({
        message: {
          channel: "sms",
          to: { phone: "+10000000000" },
          content: { text: "Your code is 1234" },
          metadata: { a: "1" },
        },
      }),
    );
    const m = buildMessage({ file, to: "+447700900123" });
    assert.equal(m.channel, Channel.SMS);
    assert.equal(m.to?.kind.value, "+447700900123");
    assert.equal(m.content?.text, "Your code is 1234");
    const fromStdin = buildMessage({ file: "-" }, () =>
      JSON.stringify({
        channel: "CHANNEL_PUSH",
        to: { deviceToken: "tok" },
        content: { text: "x", subject: "t" },
      }),
    );
    assert.equal(fromStdin.channel, Channel.PUSH);
    assert.equal(fromStdin.to?.kind.value, "tok");
  });

  test("command-line mistakes are usage errors that say what to pass", () => {
    assert.throws(() => buildMessage({ to: "+1", body: "x" }), usage(/no channel: pass --channel/));
    assert.throws(
      () => buildMessage({ channel: "sms", body: "x" }),
      usage(/no recipient: pass --to with an E\.164 phone number/),
    );
    assert.throws(
      () => buildMessage({ channel: "sms", to: "+1" }),
      usage(/no content: pass --body/),
    );
    assert.throws(
      () => buildMessage({ channel: "sms", to: "+1", body: "x", metadata: ["novalue"] }),
      usage(/--metadata takes key=value/),
    );
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ nope");
    assert.throws(() => buildMessage({ file: bad }), usage(/is not valid JSON/));
    writeFileSync(
      bad,
      JSON.stringify({ channel: "sms", to: { phone: "+1" }, content: { txt: "typo" } }),
    );
    assert.throws(() => buildMessage({ file: bad }), usage(/is not a hermes\.v1\.Message/));
  });
});

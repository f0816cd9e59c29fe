import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { Plugin } from "@oclif/core";
import { cliRoot, hermes } from "./support/run-cli.js";
import { ExitCode } from "../src/errors/exit-codes.js";

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("hermes commands: arguments and errors", () => {
  test("the committed oclif manifest matches the commands (run `npm run manifest -w cli` after changing one)", async () => {
    const plugin = new Plugin({
      root: cliRoot,
      type: "core",
      ignoreManifest: true,
      errorOnManifestCreate: true,
      isRoot: true,
    });
    await plugin.load();
    const committed = JSON.parse(readFileSync(join(cliRoot, "oclif.manifest.json"), "utf8"));
    assert.deepEqual(JSON.parse(JSON.stringify(plugin.manifest.commands)), committed.commands);
  });

  test("docs/cli.md documents every exit code", () => {
    const docs = readFileSync(join(cliRoot, "..", "docs", "cli.md"), "utf8");
    for (const code of Object.values(ExitCode).filter((v): v is number => typeof v === "number")) {
      assert.match(
        docs,
        new RegExp(`^\\| ${code} \\| \\S`, "m"),
        `exit code ${code} (${ExitCode[code]})`,
      );
    }
  });

  test("--help lists the commands with their summaries", async () => {
    const { stdout, exitCode } = await hermes("--help");
    assert.equal(exitCode, 0);
    for (const command of ["send", "status", "watch", "health", "serve", "dev", "config"])
      assert.match(stdout, new RegExp(`^\\s+${command}\\s+\\S`, "m"), command);
  });

  test("send without a recipient is a usage error (exit 2) that says what to pass", async () => {
    const { exitCode, stderr } = await hermes("send", "--channel", "sms", "--body", "hello there");
    assert.equal(exitCode, ExitCode.Usage);
    assert.match(stderr, /no recipient: pass --to with an E\.164 phone number/);
  });

  test("an unknown channel, flag or missing argument is a usage error", async () => {
    assert.equal(
      (await hermes("send", "--channel", "fax", "--to", "x", "--body", "y")).exitCode,
      ExitCode.Usage,
    );
    assert.equal((await hermes("status")).exitCode, ExitCode.Usage);
    assert.equal((await hermes("health", "--bogus")).exitCode, ExitCode.Usage);
    const since = await hermes("watch", "--since", "yesterday");
    assert.equal(since.exitCode, ExitCode.Usage);
    assert.match(since.stderr, /--since takes an event sequence number/);
  });

  test("an unreachable gateway exits 3 and says how to start or point at one", async () => {
    const port = await closedPort();
    const { exitCode, stderr } = await hermes("health", "--server", `http://127.0.0.1:${port}`);
    assert.equal(exitCode, ExitCode.Unavailable);
    assert.match(stderr, new RegExp(`no gateway answered at http://127\\.0\\.0\\.1:${port}`));
    assert.match(stderr, /hermes dev/);
  });

  test("with --json a failure is a JSON object on stdout with the exit code", async () => {
    const port = await closedPort();
    const { exitCode, stdout } = await hermes(
      "status",
      "some-id",
      "--server",
      `http://127.0.0.1:${port}`,
      "--json",
    );
    assert.equal(exitCode, ExitCode.Unavailable);
    const { error } = JSON.parse(stdout);
    assert.equal(error.exitCode, ExitCode.Unavailable);
    assert.equal(error.reason, "unreachable");
    assert.ok(error.hints.length > 0);
    const usage = await hermes("send", "--channel", "sms", "--json");
    assert.equal(usage.exitCode, ExitCode.Usage);
    assert.equal(JSON.parse(usage.stdout).error.field, "to");
  });

  test("config shows the resolved connection and where each part came from, token masked", async () => {
    process.env.HERMES_TOKEN = "a-long-secret-token";
    try {
      const shown = JSON.parse(
        (await hermes("config", "--server", "https://hermes.example.com", "--json")).stdout,
      );
      assert.equal(shown.server, "https://hermes.example.com");
      assert.equal(shown.serverSource, "--server");
      assert.equal(shown.tokenSource, "HERMES_TOKEN");
      assert.equal(shown.token, "a-lo…en");
      assert.doesNotMatch(JSON.stringify(shown), /secret/);
    } finally {
      delete process.env.HERMES_TOKEN;
    }
    const human = await hermes("config");
    assert.match(human.stdout, /^server\s+http:\/\/127\.0\.0\.1:8080\s+\(default\)/m);
    assert.match(human.stdout, /^token\s+herm…ey\s+\(the dev default \(loopback only\)\)/m);
  });

  test("serve without a config file refuses and points at hermes dev", async () => {
    const { exitCode, stderr } = await hermes("serve");
    assert.equal(exitCode, ExitCode.Usage);
    assert.match(stderr, /serve needs a config file/);
    assert.match(stderr, /hermes dev/);
  });

  test("serve with an invalid config names the field at fault", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hermes-cli-serve-"));
    try {
      const config = join(dir, "hermes.config.json");
      writeFileSync(
        config,
        JSON.stringify({ routes: [{ name: "fax", channel: "fax", adapter: "webhook" }] }),
      );
      const { exitCode, stderr } = await hermes("serve", "--config", config, "--port", "0");
      assert.equal(exitCode, ExitCode.Usage);
      assert.match(stderr, /routes\[0\]\.channel/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

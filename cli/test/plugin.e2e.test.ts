// The plugin author's and the release pipeline's path, only through the CLI:
// scaffold from a template, build (a real .wasm compiled now), run the
// conformance kit, generate keys, sign, verify, inspect, then publish to a
// real gateway, list, activate and roll back.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  keys as apiKeys,
  startTestGateway,
  type TestGateway,
} from "../../test/support/gateway-harness.js";
import { readSignatures } from "@hermes/runtime/plugin-registry";
import { hermes } from "./support/run-cli.js";
import { ExitCode } from "../src/errors/exit-codes.js";

const json = async (...args: string[]) => {
  const result = await hermes(...args, "--json");
  assert.equal(result.exitCode, 0, `hermes ${args.join(" ")}: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout);
};

describe("plugin pipeline through the CLI", () => {
  let dir: string;
  let gw: TestGateway;
  let server: string[];
  let plugin: string;
  let wasm: string;
  let publicKey: string;
  let secretKeyFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "hermes-cli-plugin-"));
    plugin = join(dir, "acme-rest");
    gw = await startTestGateway({ plugins: { dir: join(dir, "registry") } });
    server = ["--server", gw.gateway.url, "--token", apiKeys.all];
  });
  after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("new copies a template and renames the plugin; build compiles it with the manifest embedded", async () => {
    const { templates } = await json("plugin", "templates");
    assert.ok(templates.some((t: { name: string }) => t.name === "rest-generic"));
    const unknown = await hermes(
      "plugin",
      "new",
      "acme-rest",
      "--template",
      "no-such-template",
      "--dir",
      plugin,
    );
    assert.equal(unknown.exitCode, ExitCode.Usage);
    assert.match(unknown.stderr, /templates: .*rest-generic/);

    const created = await json(
      "plugin",
      "new",
      "acme-rest",
      "--template",
      "rest-generic",
      "--dir",
      plugin,
    );
    assert.ok(created.files.includes("plugin.ts"));
    const source = readFileSync(join(plugin, "plugin.ts"), "utf8");
    assert.match(source, /"acme-rest"/);
    assert.doesNotMatch(source, /rest-generic/);
    assert.equal(
      (await hermes("plugin", "new", "acme-rest", "--template", "rest-generic", "--dir", plugin))
        .exitCode,
      ExitCode.Usage,
      "never overwrites",
    );

    const built = await json("plugin", "build", plugin, "--optimize", "0");
    wasm = built.file;
    assert.equal(built.manifest.name, "acme-rest");
    assert.equal(wasm, join(plugin, "dist", "acme-rest.wasm"));
  });

  test("test runs the conformance kit with the template's fixtures, then the plugin's own tests", async () => {
    const own = join(plugin, "test", "own.test.ts");
    writeFileSync(
      own,
      `import test from "node:test";\nimport assert from "node:assert/strict";\ntest("a plugin test", () => assert.equal(1 + 1, 2));\n`,
    );
    const { stdout, exitCode, stderr } = await hermes(
      "plugin",
      "test",
      plugin,
      "--wasm",
      wasm,
      "--json",
    );
    assert.equal(exitCode, 0, stdout + stderr);
    const report = JSON.parse(stdout);
    assert.ok(
      report.conformance.some(
        (c: { name: string; ok: boolean }) =>
          c.name === "manifest: the host accepts the module" && c.ok,
      ),
    );
    assert.ok(report.conformance.every((c: { ok: boolean }) => c.ok));
    assert.deepEqual(report.ownTests, { files: [own], ok: true });

    writeFileSync(
      own,
      `import test from "node:test";\nimport assert from "node:assert/strict";\ntest("a failing plugin test", () => assert.equal(1 + 1, 3));\n`,
    );
    const failing = await hermes("plugin", "test", plugin, "--wasm", wasm, "--json");
    assert.equal(failing.exitCode, ExitCode.Error);
    const failed = JSON.parse(failing.stdout);
    assert.equal(failed.ok, false);
    assert.equal(failed.ownTests.ok, false);
    assert.ok(
      failed.conformance.every((c: { ok: boolean }) => c.ok),
      "only the plugin's own test failed",
    );
    rmSync(own);
  });

  test("inspect reads the manifest, exports and signatures without running the plugin", async () => {
    const info = await json("plugin", "inspect", wasm);
    assert.equal(info.manifest.name, "acme-rest");
    assert.equal(info.signatures.count, 0);
    assert.ok(info.exports.includes("prepare_send (function)"));
    const human = await hermes("plugin", "inspect", wasm);
    assert.match(human.stdout, /^acme-rest@1\.0\.0/m);
    assert.match(human.stdout, /signatures\s+unsigned/);
    const notWasm = await hermes("plugin", "inspect", join(plugin, "plugin.ts"));
    assert.equal(notWasm.exitCode, ExitCode.Usage);
    assert.match(notWasm.stderr, /not a WebAssembly module/);
  });

  test("keys generate, sign and verify; an unsigned, tampered, damaged or foreign-signed module exits 10", async () => {
    const generated = await json("keys", "generate", "--dir", join(dir, "keys"));
    publicKey = generated.publicKey;
    secretKeyFile = generated.secretKeyFile;
    assert.equal(
      (await hermes("keys", "generate", "--dir", join(dir, "keys"))).exitCode,
      ExitCode.Usage,
      "never overwrites a key",
    );
    const other = await json(
      "keys",
      "generate",
      "--dir",
      join(dir, "keys"),
      "--name",
      "other",
      "--format",
      "wasmsign2",
    );

    const unsigned = await hermes("plugin", "verify", wasm, "--key", publicKey);
    assert.equal(unsigned.exitCode, ExitCode.PluginRejected);
    assert.match(unsigned.stderr, /not signed/);

    const wrongKey = await hermes("plugin", "sign", wasm, "--key", generated.publicKeyFile);
    assert.equal(
      wrongKey.exitCode,
      ExitCode.Usage,
      "a public key given as the signing key is a usage error",
    );
    assert.match(wrongKey.stderr, /not an Ed25519 secret key/);
    const signed = await json("plugin", "sign", wasm, "--key", secretKeyFile);
    assert.equal(signed.keyId, generated.keyId);
    const verified = await json("plugin", "verify", wasm, "--key", generated.publicKeyFile);
    assert.deepEqual(verified.signers, [generated.keyId]);
    assert.equal(
      (await json("plugin", "inspect", wasm, "--key", publicKey)).signatures.verifiedBy[0],
      generated.keyId,
    );

    const foreign = await hermes("plugin", "verify", wasm, "--key", other.publicKey);
    assert.equal(foreign.exitCode, ExitCode.PluginRejected);
    assert.match(foreign.stderr, /none of them verifies with/);

    const tampered = join(dir, "tampered.wasm");
    const bytes = readFileSync(wasm);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(tampered, bytes);
    const changed = await hermes("plugin", "verify", tampered, "--trust", join(dir, "keys"));
    assert.equal(changed.exitCode, ExitCode.PluginRejected);
    assert.match(changed.stderr, /modified after signing/);

    // A damaged signature is named as the signing key's: sign writes the key id.
    const damaged = join(dir, "damaged.wasm");
    const signedBytes = readFileSync(wasm);
    const signature = readSignatures(signedBytes)!.signedHashesSet[0].signatures[0].signature;
    signedBytes[signedBytes.indexOf(signature) + 10] ^= 0x01;
    writeFileSync(damaged, signedBytes);
    const broken = await hermes("plugin", "verify", damaged, "--key", generated.publicKeyFile);
    assert.equal(broken.exitCode, ExitCode.PluginRejected);
    assert.match(
      broken.stderr,
      new RegExp(`signature of trusted key ${generated.keyId} does not verify`),
    );
  });

  test("publish needs a trusted key; then list, activate and roll back", async () => {
    const untrusted = await hermes("plugin", "publish", wasm, ...server);
    assert.equal(untrusted.exitCode, ExitCode.PluginRejected, untrusted.stdout + untrusted.stderr);

    const trusted = await json(
      "keys",
      "trust",
      publicKey,
      "--comment",
      "release pipeline",
      ...server,
    );
    assert.equal(trusted.comment, "release pipeline");
    const { keys } = await json("keys", "list", ...server);
    assert.ok(keys.some((k: { id: string }) => k.id === trusted.id));

    const v1 = await json("plugin", "publish", wasm, "--activate", ...server);
    assert.equal(v1.name, "acme-rest");
    assert.equal(v1.active, true);

    // The next version: bump the manifest, rebuild, sign with HERMES_SIGNING_KEY as CI would.
    const [major, minor, patch] = v1.version.split(".").map(Number);
    const next = `${major}.${minor}.${patch + 1}`;
    const source = join(plugin, "plugin.ts");
    const text = readFileSync(source, "utf8");
    assert.ok(
      text.includes(`"${v1.version}"`),
      "the template states its version as a string literal",
    );
    writeFileSync(source, text.replace(`"${v1.version}"`, `"${next}"`));
    const v2file = join(dir, `acme-rest-${next}.wasm`);
    await json("plugin", "build", plugin, "--optimize", "0", "--out", v2file);
    process.env.HERMES_SIGNING_KEY = readFileSync(secretKeyFile, "utf8");
    try {
      await json("plugin", "sign", v2file);
    } finally {
      delete process.env.HERMES_SIGNING_KEY;
    }
    const v2 = await json("plugin", "publish", v2file, ...server);
    assert.equal(v2.version, next);
    assert.equal(v2.active ?? false, false);

    const listed = await json("plugin", "list", "acme-rest", ...server);
    const active = () =>
      listed.plugins
        .filter((p: { active?: boolean }) => p.active)
        .map((p: { version: string }) => p.version);
    assert.deepEqual(active(), [v1.version]);

    const activated = await json("plugin", "activate", `acme-rest@${next}`, ...server);
    assert.equal(activated.plugin.version, next);
    assert.equal(activated.previousVersion, v1.version);
    const rolledBack = await json("plugin", "rollback", "acme-rest", ...server);
    assert.equal(rolledBack.version, v1.version);
    assert.equal(rolledBack.active, true);

    const missing = await hermes("plugin", "activate", "acme-rest@9.9.9", ...server);
    assert.equal(missing.exitCode, ExitCode.NotFound, missing.stderr);
    assert.equal(
      (await hermes("plugin", "activate", "acme-rest", ...server)).exitCode,
      ExitCode.Usage,
    );
  });
});

describe("a gateway without PluginService", () => {
  test("publish says the gateway does not implement it (exit 7) rather than failing obscurely", async () => {
    // An h2c server that knows no RPC at all, as an older gateway build would for PluginService.
    const server = http2.createServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on("session", (session) => sessions.add(session));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const dir = mkdtempSync(join(tmpdir(), "hermes-cli-old-"));
    try {
      const file = join(dir, "x.wasm");
      writeFileSync(file, Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const { exitCode, stderr } = await hermes(
        "plugin",
        "publish",
        file,
        "--server",
        url,
        "--token",
        "t",
      );
      assert.equal(exitCode, ExitCode.Unsupported, stderr);
      assert.match(stderr, /does not implement hermes\.v1\.PluginService\/PublishPlugin/);
      assert.match(stderr, /upgrade the gateway/);
    } finally {
      for (const session of sessions) session.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defaultServer,
  devToken,
  isLoopback,
  resolveConnection,
} from "../src/connection/settings.js";
import { Failure } from "../src/errors/failure.js";
import { ExitCode } from "../src/errors/exit-codes.js";

describe("connection settings", () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "hermes-cli-profiles-"));
    file = join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({
        defaultProfile: "staging",
        profiles: {
          staging: { server: "https://staging.example.com", token: "staging-key" },
          prod: { server: "https://hermes.example.com", token: "prod-key", http1: true },
          local: { server: "127.0.0.1:9090" },
        },
      }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const resolve = (flags: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
    resolveConnection({ flags, env: { HERMES_CLI_CONFIG: file, ...env } });

  test("with nothing configured: the dev gateway and, being loopback, the dev key", () => {
    const c = resolveConnection({
      flags: {},
      env: { HERMES_CLI_CONFIG: join(dir, "missing.json") },
    });
    assert.equal(c.server, defaultServer);
    assert.equal(c.token, devToken);
    assert.match(c.tokenSource!, /dev default/);
    assert.equal(c.http1, false);
  });

  test("the default profile applies when nothing else says otherwise", () => {
    const c = resolve({});
    assert.equal(c.server, "https://staging.example.com");
    assert.equal(c.token, "staging-key");
    assert.equal(c.profile, "staging");
  });

  test("HERMES_URL and HERMES_TOKEN beat the default profile", () => {
    const c = resolve({}, { HERMES_URL: "https://env.example.com", HERMES_TOKEN: "env-key" });
    assert.equal(c.server, "https://env.example.com");
    assert.equal(c.token, "env-key");
    assert.equal(c.tokenSource, "HERMES_TOKEN");
  });

  test("an explicitly named profile beats the environment; flags beat everything", () => {
    const env = { HERMES_URL: "https://env.example.com", HERMES_TOKEN: "env-key" };
    const named = resolve({ profile: "prod" }, env);
    assert.equal(named.server, "https://hermes.example.com");
    assert.equal(named.token, "prod-key");
    assert.equal(named.http1, true);
    assert.equal(named.tokenSource, "profile prod");
    const viaEnv = resolve({}, { ...env, HERMES_PROFILE: "prod" });
    assert.equal(viaEnv.token, "prod-key");
    const flagged = resolve(
      { profile: "prod", server: "http://10.0.0.1:8080", token: "flag-key" },
      env,
    );
    assert.equal(flagged.server, "http://10.0.0.1:8080");
    assert.equal(flagged.token, "flag-key");
    assert.equal(flagged.tokenSource, "--token");
  });

  test("the dev key is never sent to a gateway that is not on loopback", () => {
    const c = resolveConnection({
      flags: { server: "https://hermes.example.com" },
      env: { HERMES_CLI_CONFIG: join(dir, "missing.json") },
    });
    assert.equal(c.token, undefined);
    const local = resolve({ profile: "local" });
    assert.equal(local.server, "http://127.0.0.1:9090", "a bare host:port gets http://");
    assert.equal(local.token, devToken);
  });

  test("an unknown profile is a usage error that lists the known ones", () => {
    assert.throws(
      () => resolve({ profile: "nope" }),
      (e: unknown) =>
        e instanceof Failure &&
        e.exitCode === ExitCode.Usage &&
        /no profile "nope"/.test(e.message) &&
        e.hints.some((h) => h.includes("staging, prod, local")),
    );
  });

  test("a broken profile file or server URL says what is wrong", () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    assert.throws(
      () => resolveConnection({ flags: {}, env: { HERMES_CLI_CONFIG: broken } }),
      (e: unknown) =>
        e instanceof Failure && e.exitCode === ExitCode.Usage && /not valid JSON/.test(e.message),
    );
    writeFileSync(broken, JSON.stringify({ profiles: { x: { token: 42 } } }));
    assert.throws(
      () => resolveConnection({ flags: {}, env: { HERMES_CLI_CONFIG: broken } }),
      /profiles\.x\.token must be a string/,
    );
    assert.throws(
      () => resolve({ server: "ftp://example.com" }),
      /must be http:\/\/ or https:\/\//,
    );
  });

  test("loopback means 127.0.0.0/8, ::1 and localhost", () => {
    for (const url of [
      "http://127.0.0.1:8080",
      "http://127.1.2.3",
      "http://[::1]:8080",
      "http://localhost:1",
    ])
      assert.ok(isLoopback(url), url);
    for (const url of ["http://10.0.0.1", "https://example.com", "http://128.0.0.1"])
      assert.ok(!isLoopback(url), url);
  });
});

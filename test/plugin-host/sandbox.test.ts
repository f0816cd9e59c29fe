import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { pino } from "pino";
import {
  Capability,
  ManifestSchema,
  PrepareSendRequestSchema,
  type AbiVersion,
} from "@hermes/runtime/contracts/plugin";
import { Channel, MessageSchema, ErrorCode } from "@hermes/runtime/contracts";
import { HermesError } from "@hermes/runtime";
import {
  compilePlugin,
  readManifest,
  defaultPolicy,
  PluginPool,
  PluginVersion,
  PluginWorker,
  type PendingCall,
} from "@hermes/runtime/plugin-host";
import type { Telemetry } from "@hermes/runtime/plugin-host";
import { buildPlugin, testManifest } from "./fixtures/build.js";

const config = { api_key: "secret-key", base_url: "http://127.0.0.1:9" };

/** A pool with one plugin version loaded, as a wasm route has. */
async function loaded(manifest = testManifest(), size = 1) {
  const telemetry: Telemetry[] = [];
  const pool = new PluginPool({
    name: "sandbox-test",
    size,
    log: pino({ level: "silent" }),
    telemetry: (t) => telemetry.push(t),
  });
  await pool.start();
  const module = await compilePlugin(await buildPlugin("test-plugin", manifest));
  const version = await PluginVersion.load(pool, module, "sandbox", config);
  const send = (text: string, id = "m-1") =>
    version.prepareSend(
      {
        message: create(MessageSchema, {
          id,
          tenant: "acme",
          channel: Channel.SMS,
          content: { text },
        }),
        config,
        attempt: 1,
      },
      "acme",
    );
  return { pool, version, send, telemetry };
}

function pluginFailure(pattern: RegExp, retryable: boolean) {
  return (error: HermesError) => {
    assert.ok(error instanceof HermesError, String(error));
    assert.equal(error.code, ErrorCode.PLUGIN_FAILURE);
    assert.equal(error.retryable, retryable, `retryable for: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  };
}

describe("the plugin sandbox", () => {
  let plugin: Awaited<ReturnType<typeof loaded>>;
  before(async () => {
    plugin = await loaded(testManifest({ limits: { callTimeoutMs: 200, maxMemoryPages: 64 } }));
  });
  after(() => plugin.pool.stop());

  test("describe returns the manifest the custom section carries", async () => {
    const section = readManifest(
      await buildPlugin(
        "test-plugin",
        testManifest({ limits: { callTimeoutMs: 200, maxMemoryPages: 64 } }),
      ),
    );
    const described = await plugin.version.describe();
    assert.equal(described.manifest?.name, "test-sms");
    assert.deepEqual(
      toBinary(ManifestSchema, described.manifest!),
      toBinary(ManifestSchema, section),
    );
  });

  test("a plugin flooding hermes_log gets 100 records per call, the rest refused; the call completes and the pool keeps serving", async () => {
    const before = plugin.telemetry.flatMap((t) => t.logs).length;
    const flooded = await plugin.send("flood", "m-flood");
    assert.equal(flooded.action.case, "http");
    assert.equal(new TextDecoder().decode(flooded.action.value.body), "flood refused 19900");
    const lines = plugin.telemetry
      .flatMap((t) => t.logs)
      .slice(before)
      .filter((l) => l.message === "flooding m-flood");
    assert.equal(lines.length, 100, "the host keeps at most 100 log records of one call");
    const next = await plugin.send("fine after the flood", "m-next");
    assert.equal(next.action.case, "http");
  });

  test("a call that loops forever is stopped at its deadline, fails retryably, and the pool serves the next call", async () => {
    const started = Date.now();
    const [looping, before, after] = await Promise.allSettled([
      plugin.send("loop"),
      plugin.send("fine before"),
      plugin.send("fine after"),
    ]);
    assert.equal(looping.status, "rejected");
    pluginFailure(
      /ran past its 200 ms deadline; its worker was terminated/,
      true,
    )((looping as PromiseRejectedResult).reason);
    assert.ok(Date.now() - started >= 200, "not stopped before the deadline");
    // Calls batched with the looping one never ran or lost their result: they ran again on the
    // restarted worker.
    assert.equal(before.status, "fulfilled");
    assert.equal(after.status, "fulfilled");
    const next = await plugin.send("next");
    assert.equal(next.action.case, "http");
  });

  test("a version whose configure never returns fails to load at its deadline; the loaded version keeps serving", async () => {
    const stuck = await compilePlugin(
      await buildPlugin(
        "test-plugin",
        testManifest({ version: "6.6.6", limits: { callTimeoutMs: 100 } }),
      ),
    );
    await assert.rejects(
      PluginVersion.load(plugin.pool, stuck, "sandbox", config),
      (error: HermesError) => {
        assert.equal(error.code, ErrorCode.PLUGIN_REJECTED);
        assert.match(
          error.message,
          /test-sms@6\.6\.6 did not load within 2100 ms .*configure ran too long/,
        );
        return true;
      },
    );
    assert.equal((await plugin.send("still served")).action.case, "http");
  });

  test("a memory bomb is stopped at the memory ceiling; the host and the next call are fine", async () => {
    const error = await plugin.send("bomb").then(
      () => assert.fail("the bomb call succeeded"),
      (e: HermesError) => e,
    );
    pluginFailure(/trapped: .*\(memory \d+ of 64 pages\)/, true)(error);
    const pages = Number(/memory (\d+) of/.exec(error.message)![1]);
    assert.ok(pages > 32 && pages <= 64, `grew to ${pages} pages, within the ceiling`);
    const next = await plugin.send("after the bomb");
    assert.equal(next.action.case, "http");
  });

  test("a trap fails the call retryably and the next call gets a fresh instance", async () => {
    await assert.rejects(plugin.send("trap"), pluginFailure(/trapped: unreachable/, true));
    assert.equal((await plugin.send("fine")).action.case, "http");
  });

  test("an output above the I/O limit fails for good", async () => {
    await assert.rejects(
      plugin.send("big"),
      pluginFailure(/output of 2097152 bytes exceeds the 1048576-byte limit/, false),
    );
  });

  test("a plugin error (non-zero return) carries the plugin's text and is not retried", async () => {
    await assert.rejects(
      plugin.send("error"),
      pluginFailure(/prepare_send failed: cannot handle this message/, false),
    );
  });

  test("host services without their capability are denied", async () => {
    const kv = await plugin.send("kv");
    assert.equal(kv.action.case, "result");
    const result = kv.action.value as { outcome: { case: string; value: { message: string } } };
    assert.equal(result.outcome.case, "error");
    assert.match(result.outcome.value.message, /CAPABILITY_KV is not declared/);
    const crypto = await plugin.send("crypto");
    assert.match(
      (crypto.action.value as typeof result).outcome.value.message,
      /CAPABILITY_CRYPTO is not declared/,
    );
  });

  test("log, metric and clock reach the host without any capability", async () => {
    const before = plugin.telemetry.length;
    await plugin.send("log", "m-log");
    const records = plugin.telemetry.slice(before);
    const log = records.flatMap((t) => t.logs).find((l) => l.message === "sending m-log");
    assert.ok(log, "the log record reached the main thread");
    assert.equal(log.fields.tenant, "acme");
    const metric = records.flatMap((t) => t.metrics).find((m) => m.name === "sends");
    assert.deepEqual(
      { ...metric, plugin: undefined },
      { plugin: undefined, name: "sends", kind: 1, value: 1, labels: { kind: "test" } },
    );
  });
});

describe("host services with capabilities", () => {
  let plugin: Awaited<ReturnType<typeof loaded>>;
  before(async () => {
    plugin = await loaded(
      testManifest({
        version: "1.1.0",
        capabilities: [Capability.HTTP, Capability.KV, Capability.CRYPTO],
      }),
      2,
    );
  });
  after(() => plugin.pool.stop());

  test("kv set then get sees the value, shared by the pool's workers", async () => {
    const results = await Promise.all([plugin.send("kv", "first"), plugin.send("kv", "first")]);
    for (const r of results)
      assert.equal((r.action.value as { outcome: { value: string } }).outcome.value, "kv:first");
  });

  test("hmac uses the secret named by key_config, which the plugin never sees", async () => {
    const r = await plugin.send("crypto");
    const expected = createHmac("sha256", config.api_key).update("abc").digest("hex");
    assert.equal(
      (r.action.value as { outcome: { value: string } }).outcome.value,
      `mac:${expected}`,
    );
  });
});

describe("a worker that dies mid-batch", () => {
  test("the running call fails retryably; the batch's other calls stay unsettled, for the pool to run elsewhere", async () => {
    const module = await compilePlugin(
      await buildPlugin(
        "test-plugin",
        testManifest({ version: "1.3.0", limits: { callTimeoutMs: 5000 } }),
      ),
    );
    const spec = {
      name: "test-sms",
      version: "1.3.0",
      route: "r",
      config,
      capabilities: [],
      ioBytes: 1 << 20,
      memoryPages: 64,
      callTimeoutMs: 5000,
    };
    const worker = await new PluginWorker("dying", {
      versions: () => [{ id: "v", module: module.module, spec }],
      kvPath: join(tmpdir(), "hermes-dying-kv.db"),
      telemetry: () => {},
      ready: () => {},
    }).start();
    const input = (text: string) =>
      toBinary(
        PrepareSendRequestSchema,
        create(PrepareSendRequestSchema, { message: { content: { text } }, config }),
      );
    const settled: string[] = [];
    const call = (text: string): PendingCall => ({
      plugin: "v",
      fn: "prepare_send",
      input: input(text),
      tenant: "",
      timeoutMs: 5000,
      label: "test-sms@1.3.0",
      settled: false,
      resolve: () => settled.push(`${text}: ok`),
      reject: (error: HermesError) =>
        settled.push(`${text}: ${error.retryable ? "retryable" : "final"} ${error.message}`),
    });
    const outcome = worker.call(
      { type: "batch", calls: [call("fine"), call("loop"), call("after")] },
      { timeoutMs: Infinity },
    );
    await new Promise((r) => setTimeout(r, 300)); // "fine" has run, "loop" is spinning
    worker.kill(); // as a supervisor's brutal_kill does
    await assert.rejects(outcome, "the batch call ends with the actor");
    assert.deepEqual(settled.length, 1, settled.join("\n"));
    assert.match(
      settled[0]!,
      /^loop: retryable .*worker killed during test-sms@1\.3\.0 prepare_send/,
    );
    assert.equal(worker.alive, false);
  });
});

describe("input limits", () => {
  test("an input above the plugin's I/O limit fails before it reaches the worker, for good", async () => {
    const plugin = await loaded(testManifest({ version: "1.2.0", limits: { maxIoBytes: 1000 } }));
    try {
      await assert.rejects(
        plugin.send("x".repeat(2000)),
        pluginFailure(
          /input to test-sms@1\.2\.0 prepare_send is \d+ bytes, above its 1000-byte limit/,
          false,
        ),
      );
      assert.equal((await plugin.send("small")).action.case, "http");
    } finally {
      await plugin.pool.stop();
    }
  });
});

describe("loading plugins", () => {
  const reject = (pattern: RegExp) => (error: HermesError) => {
    assert.equal(error.code, ErrorCode.PLUGIN_REJECTED);
    assert.match(error.message, pattern);
    return true;
  };

  test("garbage, a bad magic number or a truncated module is rejected with a clear error", async () => {
    await assert.rejects(
      compilePlugin(new TextEncoder().encode("definitely not wasm")),
      reject(/bad magic number/),
    );
    const bytes = await buildPlugin();
    await assert.rejects(
      compilePlugin(bytes.subarray(0, bytes.length - 100)),
      reject(/truncated or tampered|hermes\.manifest/),
    );
    const flipped = bytes.slice();
    flipped[200] = flipped[200]! ^ 0xff;
    await assert.rejects(
      compilePlugin(flipped),
      (error: HermesError) => error.code === ErrorCode.PLUGIN_REJECTED,
    );
  });

  test("a module without a manifest section, or with a foreign ABI version, is rejected", async () => {
    const bare = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    await assert.rejects(compilePlugin(bare), reject(/no "hermes\.manifest" custom section/));
    await assert.rejects(
      compilePlugin(
        await buildPlugin("test-plugin", testManifest({ abiVersion: 7 as AbiVersion })),
      ),
      reject(/targets ABI 7; this host runs ABI V1 plugins/),
    );
  });

  test("a module importing WASI or Extism's HTTP is rejected: plugins do no I/O of their own", async () => {
    // (module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result
    // i32))) (memory (export "memory") 1))
    const wasi = new Uint8Array([
      0,
      97,
      115,
      109,
      1,
      0,
      0,
      0,
      1,
      9,
      1,
      0x60,
      4,
      0x7f,
      0x7f,
      0x7f,
      0x7f,
      1,
      0x7f,
      2,
      35,
      1,
      22,
      ...new TextEncoder().encode("wasi_snapshot_preview1"),
      8,
      ...new TextEncoder().encode("fd_write"),
      0,
      0,
      5,
      3,
      1,
      0,
      1,
      7,
      10,
      1,
      6,
      ...new TextEncoder().encode("memory"),
      2,
      0,
    ]);
    const manifest = toBinary(ManifestSchema, create(ManifestSchema, testManifest()));
    const { appendCustomSection } = await import("@hermes/runtime/plugin-host");
    await assert.rejects(
      compilePlugin(appendCustomSection(wasi, "hermes.manifest", manifest)),
      reject(/wasi_snapshot_preview1.*plugins do no I\/O of their own/),
    );
    // Extism's own HTTP: (import "extism:host/env" "http_request" (func (param i64 i64) (result
    // i64)))
    const http = new Uint8Array([
      0,
      97,
      115,
      109,
      1,
      0,
      0,
      0,
      1,
      7,
      1,
      0x60,
      2,
      0x7e,
      0x7e,
      1,
      0x7e,
      2,
      32,
      1,
      15,
      ...new TextEncoder().encode("extism:host/env"),
      12,
      ...new TextEncoder().encode("http_request"),
      0,
      0,
      5,
      3,
      1,
      0,
      1,
      7,
      10,
      1,
      6,
      ...new TextEncoder().encode("memory"),
      2,
      0,
    ]);
    await assert.rejects(
      compilePlugin(appendCustomSection(http, "hermes.manifest", manifest)),
      reject(/"extism:host\/env"\."http_request".*the host performs it/),
    );
  });

  test("the manifest's memory ceiling is capped by the host policy", async () => {
    const module = await compilePlugin(
      await buildPlugin("test-plugin", testManifest({ limits: { maxMemoryPages: 100_000 } })),
      { ...defaultPolicy, maxMemoryPages: 128 },
    );
    assert.equal(module.limits.memoryPages, 128);
  });
});

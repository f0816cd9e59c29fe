import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbiVersion } from "@hermes/runtime/contracts/plugin";
import { ErrorCode, HermesError } from "@hermes/runtime";
import {
  generateKeyPair,
  PluginRegistry,
  readSignatures,
  sign,
  stripSignature,
  type KeyPair,
  type PluginActivation,
} from "@hermes/runtime/plugin-registry";
import { customSection, wasmModule, type ModuleOptions } from "./support/wasm-fixtures.js";

async function rejects(
  promise: Promise<unknown> | (() => unknown),
  code: ErrorCode,
  pattern: RegExp,
): Promise<void> {
  await assert.rejects(
    async () => (typeof promise === "function" ? promise() : promise),
    (error: unknown) => {
      assert.ok(error instanceof HermesError, String(error));
      assert.equal(ErrorCode[error.code], ErrorCode[code], error.message);
      assert.match(error.rawMessage, pattern);
      return true;
    },
  );
}

describe("plugin registry", () => {
  const dir = mkdtempSync(join(tmpdir(), "hermes-registry-"));
  let registry: PluginRegistry;
  let publisher: KeyPair;
  let n = 0;
  const signed = (options: ModuleOptions = {}, key = publisher) =>
    sign(wasmModule(options), key.secretKey);

  beforeEach(() => {
    registry?.close();
    registry = new PluginRegistry({
      path: join(dir, `registry-${++n}.db`),
      synchronous: "NORMAL",
      maxArtifactBytes: 4096,
    });
    publisher = generateKeyPair();
    registry.trustKey(publisher.publicKey, "ci publisher");
  });
  after(() => {
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("publish stores a verified version; the same bytes again is an idempotent no-op", async () => {
    const artifact = signed({
      manifest: { name: "acme-sms", version: "1.2.0", description: "Acme SMS" },
    });
    const first = await registry.publish(artifact);
    assert.equal(first.created, true);
    assert.equal(first.plugin.name, "acme-sms");
    assert.equal(first.plugin.version, "1.2.0");
    assert.deepEqual(first.plugin.signedBy, [publisher.publicKey.id]);
    assert.equal(first.plugin.sizeBytes, artifact.length);
    assert.equal(first.plugin.active, false);
    assert.equal(first.plugin.manifest.description, "Acme SMS");
    const again = await registry.publish(artifact);
    assert.equal(again.created, false);
    assert.equal(again.plugin.sha256, first.plugin.sha256);
    assert.equal(registry.list().length, 1);
  });

  test("the same name@version with other bytes is refused", async () => {
    await registry.publish(signed({ manifest: { version: "1.0.0" }, result: 1 }));
    await rejects(
      registry.publish(signed({ manifest: { version: "1.0.0" }, result: 2 })),
      ErrorCode.ALREADY_EXISTS,
      /acme-sms@1\.0\.0 is already published with other bytes/,
    );
  });

  test("unsigned, tampered, untrusted and malformed-signature artifacts are refused", async () => {
    const good = signed();
    await rejects(
      registry.publish(stripSignature(good)),
      ErrorCode.PLUGIN_SIGNATURE_INVALID,
      /not signed.*hermes plugin sign/,
    );
    const tampered = Uint8Array.from(good);
    tampered[tampered.length - 3] ^= 0xff;
    await rejects(
      registry.publish(tampered),
      ErrorCode.PLUGIN_SIGNATURE_INVALID,
      /modified after signing/,
    );
    await rejects(
      registry.publish(signed({}, generateKeyPair())),
      ErrorCode.PLUGIN_UNTRUSTED,
      /untrusted publisher.*none of them verifies with the 1 trusted key/,
    );
    const garbage = Uint8Array.from([
      ...wasmModule().subarray(0, 8),
      ...customSection("signature", Uint8Array.of(0x01, 0x01, 0x01, 0x05)),
      ...wasmModule().subarray(8),
    ]);
    await rejects(
      registry.publish(garbage),
      ErrorCode.PLUGIN_SIGNATURE_INVALID,
      /malformed signature section/,
    );
    assert.equal(registry.list().length, 0, "nothing was stored");
  });

  test("a trusted key's signature that was altered is reported as not verifying, not as an untrusted publisher", async () => {
    /** The artifact with one bit of its (first) signature flipped. */
    const damaged = (artifact: Uint8Array) => {
      const bytes = Buffer.from(artifact);
      const signature = readSignatures(bytes)!.signedHashesSet[0].signatures[0].signature;
      bytes[bytes.indexOf(signature) + 20] ^= 0x01;
      return new Uint8Array(bytes);
    };
    const withKeyId = (key: KeyPair) =>
      sign(wasmModule(), key.secretKey, { keyId: key.publicKey.wasmsign2KeyId() });

    await rejects(
      registry.publish(damaged(withKeyId(publisher))),
      ErrorCode.PLUGIN_SIGNATURE_INVALID,
      new RegExp(
        `^the signature of trusted key ${publisher.publicKey.id} does not verify: it was modified after signing`,
      ),
    );
    // A stranger's key id names no trusted key: that stays an untrusted publisher.
    await rejects(
      registry.publish(damaged(withKeyId(generateKeyPair()))),
      ErrorCode.PLUGIN_UNTRUSTED,
      /untrusted publisher/,
    );
    // Without a key id nothing says whose signature it was (Ed25519 cannot), so
    // the message claims only that none verifies.
    await rejects(
      registry.publish(damaged(signed())),
      ErrorCode.PLUGIN_UNTRUSTED,
      /none of them verifies with the 1 trusted key/,
    );
    assert.equal(registry.list().length, 0, "nothing was stored");
  });

  test("with an empty trust store the error says to trust a key first", async () => {
    const empty = new PluginRegistry({ path: ":memory:" });
    try {
      await rejects(empty.publish(signed()), ErrorCode.PLUGIN_UNTRUSTED, /trust store is empty/);
    } finally {
      empty.close();
    }
  });

  test("allowUnsigned admits unsigned artifacts, never tampered or untrusted ones", async () => {
    const dev = new PluginRegistry({ path: ":memory:", allowUnsigned: true });
    try {
      dev.trustKey(publisher.publicKey);
      const { plugin } = await dev.publish(wasmModule());
      assert.deepEqual(plugin.signedBy, []);
      await rejects(
        dev.publish(signed({ manifest: { version: "2.0.0" } }, generateKeyPair())),
        ErrorCode.PLUGIN_UNTRUSTED,
        /untrusted/,
      );
    } finally {
      dev.close();
    }
  });

  test("modules that do not compile, and bad manifests, are refused", async () => {
    // Well-formed sections, invalid code: the function body returns nothing for a () -> i32 type.
    const broken = wasmModule();
    const bodyEnd = broken.indexOf(0x0b, broken.lastIndexOf(0x41));
    const invalid = Uint8Array.from(broken);
    invalid[bodyEnd - 2] = 0x01; // i32.const → nop
    invalid[bodyEnd - 1] = 0x01; //   (value) → nop
    await rejects(
      registry.publish(sign(invalid, publisher.secretKey)),
      ErrorCode.PLUGIN_REJECTED,
      /does not compile/,
    );
    await rejects(
      registry.publish(new TextEncoder().encode("#!/bin/sh\necho not wasm\n")),
      ErrorCode.PLUGIN_REJECTED,
      /not a WebAssembly module/,
    );
    await rejects(
      registry.publish(signed({ manifest: null })),
      ErrorCode.PLUGIN_REJECTED,
      /no "hermes\.manifest" custom section/,
    );
    await rejects(
      registry.publish(signed({ extra: [["hermes.manifest", Uint8Array.of(0xff, 0xff)]] })),
      ErrorCode.PLUGIN_REJECTED,
      /2 "hermes\.manifest" custom sections/,
    );
    await rejects(
      registry.publish(signed({ manifest: { name: "Acme_SMS" } })),
      ErrorCode.PLUGIN_REJECTED,
      /name "Acme_SMS" must match/,
    );
    await rejects(
      registry.publish(signed({ manifest: { version: "1.0" } })),
      ErrorCode.PLUGIN_REJECTED,
      /version "1\.0" .* not a semantic version/,
    );
    await rejects(
      registry.publish(signed({ manifest: { abiVersion: AbiVersion.UNSPECIFIED } })),
      ErrorCode.PLUGIN_REJECTED,
      /targets ABI UNSPECIFIED/,
    );
  });

  test("the validate hook runs last; its failures refuse the publish", async () => {
    const checked: number[] = [];
    const strict = new PluginRegistry({
      path: ":memory:",
      validate: async (artifact) => {
        checked.push(artifact.length);
        if (checked.length === 1)
          throw new HermesError(ErrorCode.PLUGIN_DENIED, "capability denied by policy");
        if (checked.length === 2) throw new Error("imports env.fd_write");
      },
    });
    try {
      strict.trustKey(publisher.publicKey);
      await rejects(
        strict.publish(signed()),
        ErrorCode.PLUGIN_DENIED,
        /capability denied by policy/,
      );
      await rejects(
        strict.publish(signed()),
        ErrorCode.PLUGIN_REJECTED,
        /the plugin host refuses the module: imports env\.fd_write/,
      );
      await rejects(
        strict.publish(stripSignature(signed())),
        ErrorCode.PLUGIN_SIGNATURE_INVALID,
        /not signed/,
      );
      assert.equal(checked.length, 2, "unsigned artifacts never reach the hook");
      assert.equal((await strict.publish(signed())).created, true);
    } finally {
      strict.close();
    }
  });

  test("empty and oversized artifacts are refused before anything else", async () => {
    await rejects(
      registry.publish(new Uint8Array(0)),
      ErrorCode.INVALID_ARGUMENT,
      /artifact is empty/,
    );
    const big = signed({ extra: [["padding", new Uint8Array(5000)]] });
    await rejects(
      registry.publish(big),
      ErrorCode.INVALID_ARGUMENT,
      /more than the 4096-byte limit/,
    );
  });

  test("activate, activate another, roll back twice: the history unwinds and listeners see each swap", async () => {
    const seen: PluginActivation[] = [];
    registry.addActivationListener({ pluginActivated: (a) => void seen.push(a) });
    for (const version of ["1.0.0", "1.1.0", "2.0.0-rc.1"])
      await registry.publish(signed({ manifest: { version } }));
    await rejects(registry.rollback("acme-sms"), ErrorCode.NOT_FOUND, /no active version/);

    const first = await registry.activate("acme-sms", "1.0.0");
    assert.equal(first.previousVersion, undefined);
    assert.equal(first.plugin.active, true);
    assert.equal((await registry.activate("acme-sms", "1.1.0")).previousVersion, "1.0.0");
    assert.equal((await registry.activate("acme-sms", "2.0.0-rc.1")).previousVersion, "1.1.0");
    assert.deepEqual(
      registry.list("acme-sms").map((p) => [p.version, p.active]),
      [
        ["1.0.0", false],
        ["1.1.0", false],
        ["2.0.0-rc.1", true],
      ],
    );

    const back = await registry.rollback("acme-sms");
    assert.equal(back.plugin.version, "1.1.0");
    assert.equal(back.previousVersion, "2.0.0-rc.1");
    assert.equal((await registry.rollback("acme-sms")).plugin.version, "1.0.0");
    await rejects(
      registry.rollback("acme-sms"),
      ErrorCode.NOT_FOUND,
      /first version activated; there is nothing earlier/,
    );
    assert.equal(registry.active("acme-sms")?.plugin.version, "1.0.0");

    assert.deepEqual(
      seen.map((a) => [a.reason, a.version, a.previousVersion]),
      [
        ["activate", "1.0.0", undefined],
        ["activate", "1.1.0", "1.0.0"],
        ["activate", "2.0.0-rc.1", "1.1.0"],
        ["rollback", "1.1.0", "2.0.0-rc.1"],
        ["rollback", "1.0.0", "1.1.0"],
      ],
    );
    assert.equal(seen[0].manifest.name, "acme-sms");
    assert.deepEqual(seen[0].artifact, registry.active("acme-sms")!.artifact);
  });

  test("activating the active version is a no-op; unknown names and versions say what exists", async () => {
    let calls = 0;
    registry.addActivationListener({ pluginActivated: () => void calls++ });
    await registry.publish(signed({ manifest: { version: "1.0.0" } }), { activate: true });
    const again = await registry.activate("acme-sms", "1.0.0");
    assert.equal(again.previousVersion, "1.0.0");
    assert.equal(calls, 1);
    await rejects(
      registry.activate("acme-sms", "9.9.9"),
      ErrorCode.NOT_FOUND,
      /acme-sms@9\.9\.9 is not published \(published: 1\.0\.0\)/,
    );
    await rejects(registry.activate("nope", "1.0.0"), ErrorCode.NOT_FOUND, /no plugin named nope/);
    await rejects(registry.rollback("nope"), ErrorCode.NOT_FOUND, /no plugin named nope/);
  });

  test("a listener that cannot load a version vetoes the activation; the previous version stays", async () => {
    await registry.publish(signed({ manifest: { version: "1.0.0" } }), { activate: true });
    await registry.publish(signed({ manifest: { version: "1.1.0" } }));
    const remove = registry.addActivationListener({
      pluginActivated: (a) => {
        if (a.version === "1.1.0") throw new Error("instantiation failed: out of memory");
      },
    });
    await rejects(
      registry.activate("acme-sms", "1.1.0"),
      ErrorCode.PLUGIN_REJECTED,
      /could not load acme-sms@1\.1\.0: instantiation failed/,
    );
    assert.equal(registry.active("acme-sms")?.plugin.version, "1.0.0");
    remove();
    assert.equal((await registry.activate("acme-sms", "1.1.0")).previousVersion, "1.0.0");
  });

  test("concurrent activations are applied one at a time", async () => {
    for (const version of ["1.0.0", "1.1.0", "1.2.0"])
      await registry.publish(signed({ manifest: { version } }));
    registry.addActivationListener({
      pluginActivated: () => new Promise((resolve) => setImmediate(resolve)),
    });
    const results = await Promise.all(
      ["1.0.0", "1.1.0", "1.2.0"].map((v) => registry.activate("acme-sms", v)),
    );
    assert.deepEqual(
      results.map((r) => r.previousVersion),
      [undefined, "1.0.0", "1.1.0"],
    );
  });

  test("the trust store keeps one entry per key; state survives reopening the database", async () => {
    const path = join(dir, "persist.db");
    const first = new PluginRegistry({ path });
    const key = first.trustKey(publisher.publicKey.toPem(), "from PEM");
    assert.equal(key.id, publisher.publicKey.id);
    const again = first.trustKey(publisher.publicKey.toWasmsign2(), "renamed");
    assert.equal(again.addedAt.getTime(), key.addedAt.getTime());
    assert.equal(first.trustedKeys().length, 1);
    assert.throws(
      () => first.trustKey(Uint8Array.of(1, 2, 3)),
      /public_key: not an Ed25519 public key/,
    );
    await first.publish(signed({ manifest: { version: "1.0.0" } }), { activate: true });
    await first.publish(signed({ manifest: { name: "other", version: "0.1.0" } }), {
      activate: true,
    });
    first.close();

    const second = new PluginRegistry({ path });
    try {
      assert.deepEqual(
        second.trustedKeys().map((k) => [k.id, k.comment]),
        [[publisher.publicKey.id, "renamed"]],
      );
      assert.deepEqual(
        second.activePlugins().map((p) => `${p.plugin.name}@${p.plugin.version}`),
        ["acme-sms@1.0.0", "other@0.1.0"],
      );
    } finally {
      second.close();
    }
  });
});

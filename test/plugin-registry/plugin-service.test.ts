import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, ErrorSchema } from "@hermes/runtime/contracts";
import {
  generateKeyPair,
  sign,
  stripSignature,
  type KeyPair,
} from "@hermes/runtime/plugin-registry";
import { clients, keys, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { wasmModule, type ModuleOptions } from "./support/wasm-fixtures.js";

/** The RPC's failure: its Connect code and the contract's Error detail. */
async function failure(
  call: Promise<unknown>,
): Promise<{ code: Code; detail?: ErrorCode; message: string }> {
  const error = await call.then(
    () => assert.fail("the call succeeded"),
    (e: unknown) => ConnectError.from(e),
  );
  return {
    code: error.code,
    detail: error.findDetails(ErrorSchema)[0]?.code,
    message: error.rawMessage,
  };
}

describe("PluginService over a real gateway", () => {
  let gw: TestGateway;
  let publisher: KeyPair;
  const signed = (options: ModuleOptions = {}, key = publisher) =>
    sign(wasmModule(options), key.secretKey);
  const admin = () => clients(gw.gateway.url, keys.all).plugins;

  before(async () => {
    gw = await startTestGateway({ plugins: { maxArtifactBytes: 64 * 1024 } });
    publisher = generateKeyPair();
    await admin().trustKey({ publicKey: publisher.publicKey.raw, comment: "ci" });
  });
  after(() => gw.close());

  test("TrustKey accepts raw, wasmsign2 and PEM keys; ListTrustedKeys needs only read", async () => {
    const other = generateKeyPair();
    const { key } = await admin().trustKey({
      publicKey: other.publicKey.toWasmsign2(),
      comment: "release team",
    });
    assert.equal(key?.id, other.publicKey.id);
    assert.deepEqual(key?.publicKey, other.publicKey.raw);
    const third = generateKeyPair();
    await admin().trustKey({ publicKey: new TextEncoder().encode(third.publicKey.toPem()) });
    const { keys: listed } = await clients(gw.gateway.url, keys.readOnly).plugins.listTrustedKeys(
      {},
    );
    for (const id of [publisher.publicKey.id, other.publicKey.id, third.publicKey.id])
      assert.ok(
        listed.some((k) => k.id === id),
        id,
      );
    assert.equal(listed.find((k) => k.id === other.publicKey.id)?.comment, "release team");
    assert.ok(listed.every((k) => k.addedAt !== undefined));

    const bad = await failure(admin().trustKey({ publicKey: Uint8Array.of(1, 2, 3) }));
    assert.equal(bad.code, Code.InvalidArgument);
    assert.match(bad.message, /public_key: not an Ed25519 public key/);
    const empty = await failure(admin().trustKey({}));
    assert.equal(empty.code, Code.InvalidArgument);
  });

  test("publish, list, activate, publish-and-activate, roll back", async () => {
    const plugins = admin();
    const v1 = await plugins.publishPlugin({
      artifact: signed({ manifest: { name: "flow", version: "1.0.0" } }),
    });
    assert.equal(v1.plugin?.name, "flow");
    assert.equal(v1.plugin?.active, false);
    assert.deepEqual(v1.plugin?.signedBy, [publisher.publicKey.id]);
    assert.deepEqual(v1.plugin?.channels, ["sms"]);
    assert.match(v1.plugin?.sha256 ?? "", /^[0-9a-f]{64}$/);
    assert.ok((v1.plugin?.sizeBytes ?? 0n) > 0n);

    const activated = await plugins.activatePlugin({ name: "flow", version: "1.0.0" });
    assert.equal(activated.plugin?.active, true);
    assert.equal(activated.previousVersion, "");

    const v2 = await plugins.publishPlugin({
      artifact: signed({ manifest: { name: "flow", version: "1.1.0" } }),
      activate: true,
    });
    assert.equal(v2.plugin?.active, true);
    const listed = await clients(gw.gateway.url, keys.readOnly).plugins.listPlugins({
      name: "flow",
    });
    assert.deepEqual(
      listed.plugins.map((p) => [p.version, p.active]),
      [
        ["1.0.0", false],
        ["1.1.0", true],
      ],
    );
    assert.equal(
      gw.gateway.plugins.active("flow")?.plugin.version,
      "1.1.0",
      "the gateway's registry serves what the API says",
    );

    const back = await plugins.rollbackPlugin({ name: "flow" });
    assert.equal(back.plugin?.version, "1.0.0");
    assert.equal(back.plugin?.active, true);
    const none = await failure(plugins.rollbackPlugin({ name: "flow" }));
    assert.equal(none.code, Code.NotFound);
    assert.equal(none.detail, ErrorCode.NOT_FOUND);
    assert.match(none.message, /nothing earlier to roll back to/);
  });

  test("mutations need the admin scope; a send-only key cannot even list", async () => {
    for (const key of [keys.sendOnly, keys.readOnly]) {
      const plugins = clients(gw.gateway.url, key).plugins;
      const publish = await failure(
        plugins.publishPlugin({ artifact: signed({ manifest: { name: "scoped" } }) }),
      );
      assert.equal(publish.code, Code.PermissionDenied);
      assert.match(publish.message, /lacks the "admin" scope/);
      assert.equal(
        (await failure(plugins.trustKey({ publicKey: generateKeyPair().publicKey.raw }))).code,
        Code.PermissionDenied,
      );
      assert.equal(
        (await failure(plugins.activatePlugin({ name: "flow", version: "1.0.0" }))).code,
        Code.PermissionDenied,
      );
      assert.equal(
        (await failure(plugins.rollbackPlugin({ name: "flow" }))).code,
        Code.PermissionDenied,
      );
    }
    assert.equal(
      (await failure(clients(gw.gateway.url, keys.sendOnly).plugins.listPlugins({}))).code,
      Code.PermissionDenied,
    );
    assert.equal(
      (await failure(clients(gw.gateway.url, "").plugins.listPlugins({}))).code,
      Code.Unauthenticated,
    );
    const listed = await admin().listPlugins({ name: "scoped" });
    assert.equal(listed.plugins.length, 0, "nothing was published by the refused calls");
  });

  test("unsigned, tampered and untrusted artifacts are refused with their own codes", async () => {
    const artifact = signed({ manifest: { name: "refused" } });
    const unsigned = await failure(admin().publishPlugin({ artifact: stripSignature(artifact) }));
    assert.deepEqual(
      [unsigned.code, unsigned.detail],
      [Code.PermissionDenied, ErrorCode.PLUGIN_SIGNATURE_INVALID],
    );
    assert.match(unsigned.message, /not signed/);

    const tampered = Uint8Array.from(artifact);
    tampered[tampered.length - 1] ^= 0x01;
    const modified = await failure(admin().publishPlugin({ artifact: tampered }));
    assert.deepEqual(
      [modified.code, modified.detail],
      [Code.PermissionDenied, ErrorCode.PLUGIN_SIGNATURE_INVALID],
    );
    assert.match(modified.message, /modified after signing/);

    const stranger = await failure(
      admin().publishPlugin({
        artifact: signed({ manifest: { name: "refused" } }, generateKeyPair()),
      }),
    );
    assert.deepEqual(
      [stranger.code, stranger.detail],
      [Code.PermissionDenied, ErrorCode.PLUGIN_UNTRUSTED],
    );
    assert.match(stranger.message, /untrusted publisher/);
    assert.equal((await admin().listPlugins({ name: "refused" })).plugins.length, 0);
  });

  test("a version is immutable: identical bytes are idempotent, other bytes ALREADY_EXISTS", async () => {
    const artifact = signed({ manifest: { name: "immutable", version: "2.0.0" }, result: 7 });
    const first = await admin().publishPlugin({ artifact });
    const retry = await admin().publishPlugin({ artifact });
    assert.equal(retry.plugin?.sha256, first.plugin?.sha256);
    const other = await failure(
      admin().publishPlugin({
        artifact: signed({ manifest: { name: "immutable", version: "2.0.0" }, result: 8 }),
      }),
    );
    assert.deepEqual([other.code, other.detail], [Code.AlreadyExists, ErrorCode.ALREADY_EXISTS]);
    assert.match(other.message, /immutable@2\.0\.0 is already published with other bytes/);
  });

  test("malformed modules, bad manifests and oversized artifacts get clear errors", async () => {
    const notWasm = await failure(
      admin().publishPlugin({
        artifact: new TextEncoder().encode("MZ\x90\x00 definitely not wasm"),
      }),
    );
    assert.deepEqual(
      [notWasm.code, notWasm.detail],
      [Code.FailedPrecondition, ErrorCode.PLUGIN_REJECTED],
    );
    assert.match(notWasm.message, /not a WebAssembly module/);

    const noManifest = await failure(
      admin().publishPlugin({ artifact: signed({ manifest: null }) }),
    );
    assert.deepEqual(
      [noManifest.code, noManifest.detail],
      [Code.FailedPrecondition, ErrorCode.PLUGIN_REJECTED],
    );
    assert.match(noManifest.message, /no "hermes\.manifest" custom section/);

    const wasi = await failure(
      admin().publishPlugin({
        artifact: signed({
          manifest: { name: "wasi" },
          importFunction: ["wasi_snapshot_preview1", "proc_exit"],
        }),
      }),
    );
    assert.deepEqual(
      [wasi.code, wasi.detail],
      [Code.FailedPrecondition, ErrorCode.PLUGIN_REJECTED],
    );
    assert.match(
      wasi.message,
      /wasi_snapshot_preview1.*proc_exit.*sandbox does not provide/,
      "the plugin host's checks run at publish",
    );

    const large = await failure(
      admin().publishPlugin({
        artifact: signed({
          manifest: { name: "large" },
          extra: [["padding", new Uint8Array(100 * 1024)]],
        }),
      }),
    );
    assert.deepEqual(
      [large.code, large.detail],
      [Code.InvalidArgument, ErrorCode.INVALID_ARGUMENT],
    );
    assert.match(large.message, /more than the 65536-byte limit \(plugins\.maxArtifactBytes\)/);

    for (const version of ["0.10.0", "0.9.1"])
      await admin().publishPlugin({ artifact: signed({ manifest: { name: "lookup", version } }) });
    const missing = await failure(admin().activatePlugin({ name: "lookup" }));
    assert.deepEqual(
      [missing.code, missing.message],
      [Code.InvalidArgument, "version is required"],
    );
    const unknown = await failure(admin().activatePlugin({ name: "lookup", version: "9.0.0" }));
    assert.equal(unknown.code, Code.NotFound);
    assert.match(
      unknown.message,
      /lookup@9\.0\.0 is not published \(published: 0\.9\.1, 0\.10\.0\)/,
    );
  });
});

describe("PluginService on a gateway with default limits", () => {
  test("multi-megabyte artifacts publish over gRPC and Connect; the registry survives a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hermes-plugins-"));
    const path = join(dir, "hermes.db");
    const publisher = generateKeyPair();
    const big = sign(
      wasmModule({
        manifest: { name: "big", version: "1.0.0" },
        extra: [["assets", new Uint8Array(5 * 1024 * 1024).fill(7)]],
      }),
      publisher.secretKey,
    );
    let gw = await startTestGateway({ store: { path } });
    try {
      const grpc = clients(gw.gateway.url, keys.all, "grpc").plugins;
      await grpc.trustKey({ publicKey: publisher.publicKey.raw });
      const { plugin } = await grpc.publishPlugin({ artifact: big, activate: true });
      assert.equal(plugin?.sizeBytes, BigInt(big.length));
      const v2 = sign(
        wasmModule({ manifest: { name: "big", version: "1.1.0" } }),
        publisher.secretKey,
      );
      await clients(gw.gateway.url, keys.all, "connect-h1").plugins.publishPlugin({
        artifact: v2,
        activate: true,
      });
    } finally {
      await gw.close(); // removes the harness's own directory, not ours
    }
    gw = await startTestGateway({ store: { path } });
    try {
      const plugins = clients(gw.gateway.url).plugins;
      assert.deepEqual(
        (await plugins.listPlugins({})).plugins.map((p) => [p.name, p.version, p.active]),
        [
          ["big", "1.0.0", false],
          ["big", "1.1.0", true],
        ],
      );
      assert.deepEqual(
        (await plugins.listTrustedKeys({})).keys.map((k) => k.id),
        [publisher.publicKey.id],
      );
      assert.equal(
        (await plugins.rollbackPlugin({ name: "big" })).plugin?.version,
        "1.0.0",
        "the activation history survived too",
      );
      assert.deepEqual(gw.gateway.plugins.active("big")?.artifact, big);
    } finally {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

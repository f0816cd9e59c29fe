import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPublicKey, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import {
  generateKeyPair,
  PublicKey,
  readSignatures,
  SecretKey,
  sign,
  SignatureError,
  stripSignature,
  verify,
  type SignatureFailure,
} from "@hermes/runtime/plugin-registry";
import { wasm } from "@hermes/runtime/plugin-host";
import { customSection, wasmModule } from "./support/wasm-fixtures.js";

/** RFC 8032 §7.1 test 1: a fixed key makes the signed bytes a known answer. */
const rfc8032Seed = Buffer.from(
  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
  "hex",
);
const rfc8032Public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

function expectFailure(fn: () => unknown, failure: SignatureFailure, pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SignatureError, `expected a SignatureError, got ${String(error)}`);
    assert.equal(error.failure, failure, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

describe("wasmsign2-compatible signing", () => {
  test("the signed module has wasmsign2's exact byte layout (known-answer vector)", () => {
    const key = SecretKey.fromSeed(rfc8032Seed);
    assert.equal(Buffer.from(key.publicKey.raw).toString("hex"), rfc8032Public);
    const module = wasmModule();
    const signed = sign(module, key);

    // Built by hand from wasmsign2's serializers, independent of our encoder.
    const content = module.subarray(8);
    const hash = createHash("sha256").update(content).digest();
    const message = Buffer.concat([Buffer.from("wasmsig"), Buffer.from([0x01, 0x01, 0x01]), hash]);
    const signature = nodeSign(null, message, key.keyObject);
    const signatureForHashes = Buffer.concat([Buffer.from([0x00, 0x01, 0x40]), signature]); // no key id, Ed25519, 64 bytes
    const signedHashes = Buffer.concat([
      Buffer.from([0x01]),
      hash,
      Buffer.from([0x01, signatureForHashes.length]),
      signatureForHashes,
    ]);
    const payload = Buffer.concat([
      Buffer.from([0x01, 0x01, 0x01, 0x01, signedHashes.length]),
      signedHashes,
    ]);
    const expected = Buffer.concat([
      module.subarray(0, 8),
      Buffer.from(customSection("signature", payload)),
      content,
    ]);
    assert.equal(Buffer.from(signed).toString("hex"), expected.toString("hex"));
    // And the signature is the RFC key's: verifiable by node:crypto directly.
    assert.ok(nodeVerify(null, message, createPublicKey(key.publicKey.toPem()), signature));
  });

  test("keygen, sign and verify round trip; the signed module still compiles", async () => {
    const { publicKey, secretKey } = generateKeyPair();
    const module = wasmModule();
    const signed = sign(module, secretKey);
    const result = verify(signed, [publicKey]);
    assert.deepEqual(
      result.signers.map((k) => k.id),
      [publicKey.id],
    );
    assert.equal(result.contentHash, createHash("sha256").update(module.subarray(8)).digest("hex"));
    const instance = await wasm.instantiate(await wasm.compile(signed));
    assert.equal((instance.exports.describe as () => number)(), 0);
  });

  test("multiple signers share one hash set; each verifies on its own", () => {
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    const carol = generateKeyPair();
    const signed = sign(sign(wasmModule(), alice.secretKey), bob.secretKey, {
      keyId: bob.publicKey.wasmsign2KeyId(),
    });
    const data = readSignatures(signed)!;
    assert.equal(data.signedHashesSet.length, 1);
    assert.equal(data.signedHashesSet[0].signatures.length, 2);
    assert.deepEqual(data.signedHashesSet[0].signatures[1].keyId, bob.publicKey.wasmsign2KeyId());
    assert.deepEqual(
      verify(signed, [alice.publicKey]).signers.map((k) => k.id),
      [alice.publicKey.id],
    );
    assert.deepEqual(
      verify(signed, [carol.publicKey, bob.publicKey, alice.publicKey]).signers.map((k) => k.id),
      [bob.publicKey.id, alice.publicKey.id],
    );
    expectFailure(
      () => verify(signed, [carol.publicKey]),
      "unknown_signer",
      /2 signature\(s\), none of them verifies with the 1 trusted key/,
    );
    // Signing again with the same key adds nothing (Ed25519 is deterministic).
    assert.deepEqual(sign(signed, alice.secretKey), signed);
  });

  test("re-signing changed content adds a new hash set; the old signature no longer covers it", () => {
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    const signed = sign(wasmModule(), alice.secretKey);
    // Append a section after signing (what a careless build step would do), then sign with bob.
    const changed = Uint8Array.from([...signed, ...customSection("producers", Uint8Array.of(0))]);
    expectFailure(() => verify(changed, [alice.publicKey]), "tampered");
    const resigned = sign(changed, bob.secretKey);
    assert.equal(readSignatures(resigned)!.signedHashesSet.length, 2);
    assert.deepEqual(
      verify(resigned, [alice.publicKey, bob.publicKey]).signers.map((k) => k.id),
      [bob.publicKey.id],
    );
  });

  test("flipping any single byte of a signed module makes it fail to verify", () => {
    const { publicKey, secretKey } = generateKeyPair();
    const signed = sign(wasmModule(), secretKey);
    const seen = new Set<SignatureFailure>();
    for (let i = 0; i < signed.length; i++) {
      const tampered = Uint8Array.from(signed);
      tampered[i] ^= 0x01;
      try {
        verify(tampered, [publicKey]);
        assert.fail(`flipping byte ${i} went unnoticed`);
      } catch (error) {
        assert.ok(error instanceof SignatureError, `byte ${i}: ${String(error)}`);
        seen.add(error.failure);
      }
    }
    // Header bytes are malformed, section bytes tampered, signature bytes unknown signers.
    assert.ok(
      seen.has("tampered") && seen.has("malformed") && seen.has("unknown_signer"),
      [...seen].join(", "),
    );
  });

  test("a damaged signature carrying a given key's id is that key's invalid signature", () => {
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    const signed = sign(wasmModule(), alice.secretKey, { keyId: alice.publicKey.wasmsign2KeyId() });
    const signature = readSignatures(signed)!.signedHashesSet[0].signatures[0].signature;
    const damaged = Buffer.from(signed);
    damaged[damaged.indexOf(signature)] ^= 0x80;
    expectFailure(
      () => verify(damaged, [bob.publicKey, alice.publicKey]),
      "invalid",
      new RegExp(`^the signature of trusted key ${alice.publicKey.id} does not verify`),
    );
    // Given only other keys, the id names none of them: an unknown signer.
    expectFailure(() => verify(damaged, [bob.publicKey]), "unknown_signer");
    // Another signature that does verify still wins.
    assert.deepEqual(
      verify(sign(damaged, bob.secretKey), [alice.publicKey, bob.publicKey]).signers.map(
        (k) => k.id,
      ),
      [bob.publicKey.id],
    );
  });

  test("a removed signature section reads as unsigned; an untrusted key as unknown signer", () => {
    const { publicKey, secretKey } = generateKeyPair();
    const module = wasmModule();
    const signed = sign(module, secretKey);
    assert.deepEqual(stripSignature(signed), module);
    expectFailure(() => verify(stripSignature(signed), [publicKey]), "unsigned", /not signed/);
    expectFailure(() => verify(module, [publicKey]), "unsigned");
    expectFailure(() => verify(signed, [generateKeyPair().publicKey]), "unknown_signer");
    expectFailure(() => verify(signed, []), "unknown_signer", /no keys given/);
  });

  test("a signature section that is not first does not count, and signing drops it", () => {
    const { publicKey, secretKey } = generateKeyPair();
    const signed = sign(wasmModule(), secretKey);
    const sigEnd = 8 + 2 + signed[9]; // id, one-byte size, payload (our test payload is < 128 bytes)
    const moved = Uint8Array.from([
      ...signed.subarray(0, 8),
      ...signed.subarray(sigEnd),
      ...signed.subarray(8, sigEnd),
    ]);
    expectFailure(() => verify(moved, [publicKey]), "unsigned");
    assert.deepEqual(sign(moved, secretKey), signed);
  });

  test("malformed inputs get clear errors", () => {
    const { publicKey, secretKey } = generateKeyPair();
    expectFailure(
      () => verify(Uint8Array.of(1, 2, 3), [publicKey]),
      "malformed",
      /shorter than the 8-byte header/,
    );
    expectFailure(
      () => sign(new TextEncoder().encode("not wasm at all"), secretKey),
      "malformed",
      /\\0asm magic/,
    );
    const truncated = wasmModule().subarray(0, 20);
    expectFailure(
      () => sign(truncated, secretKey),
      "malformed",
      /not a well-formed WebAssembly module/,
    );
    const badHeader = Uint8Array.from([
      ...wasmModule().subarray(0, 8),
      ...customSection("signature", Uint8Array.of(0x02, 0x01, 0x01, 0x00)),
      ...wasmModule().subarray(8),
    ]);
    expectFailure(
      () => verify(badHeader, [publicKey]),
      "malformed",
      /unsupported signature spec version 0x02/,
    );
    const badHash = Uint8Array.from([
      ...wasmModule().subarray(0, 8),
      ...customSection("signature", Uint8Array.of(0x01, 0x01, 0x02, 0x00)),
      ...wasmModule().subarray(8),
    ]);
    expectFailure(
      () => verify(badHash, [publicKey]),
      "malformed",
      /unsupported hash function 0x02/,
    );
    const shortHashes = Uint8Array.from([
      ...wasmModule().subarray(0, 8),
      ...customSection("signature", Uint8Array.of(0x01, 0x01, 0x01, 0x01, 0x03, 0x01, 0xaa, 0xbb)),
      ...wasmModule().subarray(8),
    ]);
    expectFailure(() => verify(shortHashes, [publicKey]), "malformed", /hash 0 claims 32 bytes/);
  });

  test("modules with padded LEB128 sizes are signed in wasmsign2's canonical form", async () => {
    const { publicKey, secretKey } = generateKeyPair();
    const module = wasmModule({ manifest: null });
    // Re-encode the type section's size (5 bytes) as a padded 2-byte LEB128: still valid wasm.
    assert.equal(module[8], 0x01);
    const padded = Uint8Array.from([
      ...module.subarray(0, 9),
      module[9] | 0x80,
      0x00,
      ...module.subarray(10),
    ]);
    await wasm.compile(padded);
    const signed = sign(padded, secretKey);
    assert.deepEqual(stripSignature(signed), module, "sections are re-encoded with minimal sizes");
    assert.deepEqual(verify(signed, [publicKey]).signers, [publicKey]);
  });

  test("keys round-trip through wasmsign2 raw, PEM and DER forms", () => {
    const { publicKey, secretKey } = generateKeyPair();
    const raw = publicKey.toWasmsign2();
    assert.equal(raw.length, 33);
    assert.equal(raw[0], 0x01);
    assert.ok(PublicKey.from(raw).equals(publicKey));
    assert.ok(PublicKey.from(publicKey.raw).equals(publicKey));
    assert.ok(PublicKey.from(publicKey.toPem()).equals(publicKey));
    assert.ok(
      PublicKey.from(
        createPublicKey(publicKey.toPem()).export({ format: "der", type: "spki" }),
      ).equals(publicKey),
    );
    const sshBlob = Buffer.concat([
      Buffer.from([0, 0, 0, 11]),
      Buffer.from("ssh-ed25519"),
      Buffer.from([0, 0, 0, 32]),
      publicKey.raw,
    ]);
    assert.ok(
      PublicKey.from(`ssh-ed25519 ${sshBlob.toString("base64")} ci@example\n`).equals(publicKey),
    );
    assert.throws(
      () => PublicKey.from(`ssh-ed25519 ${sshBlob.subarray(0, 40).toString("base64")}`),
      /not an OpenSSH Ed25519 public key/,
    );
    assert.match(publicKey.id, /^[0-9a-f]{16}$/);
    assert.equal(
      publicKey.id,
      createHash("sha256").update(publicKey.raw).digest("hex").slice(0, 16),
    );

    const secretRaw = secretKey.toWasmsign2();
    assert.equal(secretRaw.length, 65);
    assert.equal(secretRaw[0], 0x81);
    assert.deepEqual(secretRaw.subarray(33), publicKey.raw);
    const module = wasmModule();
    for (const copy of [SecretKey.from(secretRaw), SecretKey.from(secretKey.toPem())]) {
      assert.ok(copy.publicKey.equals(publicKey));
      assert.deepEqual(sign(module, copy), sign(module, secretKey));
    }
    assert.throws(
      () => PublicKey.from(Uint8Array.of(0x02, ...publicKey.raw)),
      /not an Ed25519 public key/,
    );
    assert.throws(
      () =>
        SecretKey.from(
          Uint8Array.of(0x81, ...secretRaw.subarray(1, 33), ...generateKeyPair().publicKey.raw),
        ),
      /does not match the seed/,
    );
    assert.throws(
      () =>
        PublicKey.from(Buffer.from("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")),
      /not an Ed25519 public key/,
    );
  });
});

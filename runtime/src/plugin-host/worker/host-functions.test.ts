// The host functions against a plain WebAssembly.Memory, as a guest would call them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ConfigGetRequestSchema,
  ConfigGetResponseSchema,
  LogRequestSchema,
  SignRs256RequestSchema,
  SignRs256ResponseSchema,
  SignatureAlgorithm,
  VerifySignatureRequestSchema,
  VerifySignatureResponseSchema,
} from "../../gen/hermes/plugin/v1/host_pb.js";
import { CallState, hostFunctions, LimitError } from "./host-functions.mjs";
import { KvStore } from "./kv-store.mjs";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const memory = new (
  globalThis as unknown as {
    WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } };
  }
).WebAssembly.Memory({ initial: 1 });

function guest(capabilities: number[], config: Record<string, string>) {
  const state = new CallState();
  const logs: string[] = [];
  const fns = hostFunctions(
    { name: "p", route: "r", config, capabilities: new Set(capabilities), ioBytes: 4096 },
    state,
    () => memory,
    { log: (_p, _l, message) => logs.push(message), metric: () => {} },
    { get: () => undefined, set: () => {}, delete: () => {} },
  );
  /** Calls a host service with `request` at offset 0 and reads its result at offset 8192. */
  const service = (name: string, request: Uint8Array) => {
    new Uint8Array(memory.buffer).set(request, 0);
    const rc = fns[name]!(undefined, 0, request.length) as number;
    fns.hermes_result_read!(undefined, 8192);
    const result = new Uint8Array(memory.buffer, 8192, Math.abs(rc)).slice();
    return { ok: rc >= 0, result, text: new TextDecoder().decode(result) };
  };
  return { fns, state, service, logs };
}

test("sign_rs256 signs with the PEM key named by key_config; the key never shows in errors", () => {
  const { service } = guest([3], { private_key: pem, not_a_key: "hunter2-secret" });
  const data = new TextEncoder().encode("header.payload");
  const signed = service(
    "hermes_crypto_sign_rs256",
    toBinary(
      SignRs256RequestSchema,
      create(SignRs256RequestSchema, { keyConfig: "private_key", data }),
    ),
  );
  assert.ok(signed.ok, signed.text);
  const { signature } = fromBinary(SignRs256ResponseSchema, signed.result);
  assert.ok(verify("sha256", data, publicKey, signature));

  const bad = service(
    "hermes_crypto_sign_rs256",
    toBinary(
      SignRs256RequestSchema,
      create(SignRs256RequestSchema, { keyConfig: "not_a_key", data }),
    ),
  );
  assert.equal(bad.ok, false);
  assert.match(bad.text, /config key "not_a_key" is not a PEM private key/);
  assert.doesNotMatch(bad.text, /hunter2/);
  const missing = service(
    "hermes_crypto_sign_rs256",
    toBinary(SignRs256RequestSchema, create(SignRs256RequestSchema, { keyConfig: "nope", data })),
  );
  assert.match(missing.text, /config key "nope" is not set/);
});

test("verify checks ECDSA P-256 signatures with a PEM or base64 DER public key; bad signatures are false, bad keys errors", () => {
  const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const der = ec.publicKey.export({ type: "spki", format: "der" }).toString("base64");
  const pemKey = ec.publicKey.export({ type: "spki", format: "pem" }).toString();
  const { service } = guest([3], {
    der,
    pem: pemKey,
    rsa: publicKey.export({ type: "spki", format: "pem" }).toString(),
    junk: "not a key",
  });
  const data = new TextEncoder().encode('1600000000{"event":"delivered"}');
  const signature = sign("sha256", data, ec.privateKey);
  const check = (keyConfig: string, signed: Uint8Array, sig: Uint8Array) =>
    service(
      "hermes_crypto_verify",
      toBinary(
        VerifySignatureRequestSchema,
        create(VerifySignatureRequestSchema, {
          algorithm: SignatureAlgorithm.ECDSA_P256_SHA256,
          keyConfig,
          data: signed,
          signature: sig,
        }),
      ),
    );
  const valid = (r: ReturnType<typeof check>) => {
    assert.ok(r.ok, r.text);
    return fromBinary(VerifySignatureResponseSchema, r.result).valid;
  };
  assert.equal(valid(check("der", data, signature)), true);
  assert.equal(valid(check("pem", data, signature)), true);
  assert.equal(valid(check("der", new TextEncoder().encode("tampered"), signature)), false);
  assert.equal(
    valid(check("der", data, new Uint8Array([1, 2, 3]))),
    false,
    "a signature that does not parse is false",
  );
  assert.match(check("rsa", data, signature).text, /config key "rsa" is not a P-256/);
  assert.match(check("junk", data, signature).text, /config key "junk" is not a public key/);
  assert.match(check("missing", data, signature).text, /config key "missing" is not set/);
});

test("crypto without CAPABILITY_CRYPTO is denied; config_get needs no capability", () => {
  const { service } = guest([], { private_key: pem, region: "eu" });
  const denied = service(
    "hermes_crypto_sign_rs256",
    toBinary(SignRs256RequestSchema, create(SignRs256RequestSchema, { keyConfig: "private_key" })),
  );
  assert.equal(denied.ok, false);
  assert.match(denied.text, /CAPABILITY_CRYPTO is not declared in the manifest of p/);
  const got = service(
    "hermes_config_get",
    toBinary(ConfigGetRequestSchema, create(ConfigGetRequestSchema, { key: "region" })),
  );
  assert.equal(fromBinary(ConfigGetResponseSchema, got.result).value, "eu");
});

test("fast I/O copies the input into guest memory and the output out of it, within limits and bounds", () => {
  const { fns, state } = guest([], {});
  state.begin(new TextEncoder().encode("input!"), "acme");
  assert.equal(fns.hermes_input_length!(undefined), 6);
  fns.hermes_input_read!(undefined, 100);
  assert.equal(new TextDecoder().decode(new Uint8Array(memory.buffer, 100, 6)), "input!");
  fns.hermes_output_write!(undefined, 100, 6);
  assert.equal(new TextDecoder().decode(state.output), "input!");
  assert.throws(() => fns.hermes_output_write!(undefined, 0, 5000), LimitError);
  assert.throws(
    () => fns.hermes_input_read!(undefined, memory.buffer.byteLength - 2),
    /outside guest memory/,
  );
});

test("the KV store expires entries and keeps namespaces apart", () => {
  const dir = mkdtempSync(join(tmpdir(), "hermes-kv-"));
  const kv = new KvStore(join(dir, "kv.db"));
  try {
    const value = new TextEncoder().encode("token");
    kv.set("a", "k", value, 10, 1_000);
    assert.deepEqual(kv.get("a", "k", 5_000), value);
    assert.equal(kv.get("b", "k", 5_000), undefined, "another namespace does not see it");
    assert.equal(kv.get("a", "k", 11_000), undefined, "expired after its TTL");
    kv.set("a", "forever", value, 0, 1_000);
    assert.deepEqual(kv.get("a", "forever", 1e13), value);
    kv.delete("a", "forever");
    assert.equal(kv.get("a", "forever", 1_000), undefined);
    assert.throws(() => kv.set("a", "big", new Uint8Array(70_000), 0, 0), /exceeds/);
  } finally {
    kv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("log records per call are bounded, with fields truncated; the next call starts afresh", () => {
  const { service, state, logs } = guest([], {});
  const line = toBinary(
    LogRequestSchema,
    create(LogRequestSchema, {
      message: "x".repeat(3000),
      fields: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, "v"])),
    }),
  );
  state.begin(new Uint8Array(0), "");
  const results = Array.from({ length: 101 }, () => service("hermes_log", line));
  assert.ok(results.slice(0, 100).every((r) => r.ok));
  assert.match(results[100]!.text, /more than 100 log and metric records in one call/);
  assert.equal(logs.length, 100);
  assert.equal(logs[0]!.length, 1025, "messages are truncated to 1 KiB");
  state.begin(new Uint8Array(0), "");
  assert.ok(service("hermes_log", line).ok);
});

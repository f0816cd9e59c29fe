// Plugin signing against the bare cryptography it needs, in one run, on the
// same 4 MiB module: our wasmsign2 sign (parse, canonical re-encode, SHA-256,
// Ed25519, section rebuild) and verify (parse, decode, SHA-256, Ed25519)
// against node:crypto doing only SHA-256 of the module plus one Ed25519
// sign / verify (and, for signing, one copy of the module with the signature
// appended: both sides produce the signed bytes). Each side runs seven times,
// interleaved; the median counts.
import { createHash, sign as edSign, verify as edVerify } from "node:crypto";
import { generateKeyPair, sign, verify } from "@hermes/runtime/plugin-registry";
import { wasmModule } from "../plugin-registry/support/wasm-fixtures.js";
import { median } from "./_measure.js";

const moduleBytes = 4 * 1024 * 1024;
const rounds = 25;

function timed(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export default async function bench(): Promise<Record<string, number>> {
  const { publicKey, secretKey } = generateKeyPair();
  const module = wasmModule({
    extra: [["data", new Uint8Array(moduleBytes).map((_, i) => i & 0xff)]],
  });
  const signed = sign(module, secretKey);
  const times = {
    sign: [] as number[],
    signRef: [] as number[],
    verify: [] as number[],
    verifyRef: [] as number[],
  };
  let refSignature = Buffer.alloc(0);
  for (let i = 0; i < rounds; i++) {
    times.sign.push(timed(() => sign(module, secretKey)));
    times.signRef.push(
      timed(() => {
        refSignature = edSign(
          null,
          createHash("sha256").update(module).digest(),
          secretKey.keyObject,
        );
        Buffer.concat([module, refSignature]);
      }),
    );
    times.verify.push(timed(() => verify(signed, [publicKey])));
    times.verifyRef.push(
      timed(() => {
        if (
          !edVerify(
            null,
            createHash("sha256").update(module).digest(),
            publicKey.keyObject,
            refSignature,
          )
        )
          throw new Error("reference verify failed");
      }),
    );
  }
  const mb = module.length / (1024 * 1024);
  const [sign_ms, sign_ref_ms, verify_ms, verify_ref_ms] = [
    median(times.sign),
    median(times.signRef),
    median(times.verify),
    median(times.verifyRef),
  ];
  return {
    module_mib: mb,
    sign_mib_per_s: mb / (sign_ms / 1000),
    sign_ref_mib_per_s: mb / (sign_ref_ms / 1000),
    sign_ratio: sign_ref_ms / sign_ms,
    verify_mib_per_s: mb / (verify_ms / 1000),
    verify_ref_mib_per_s: mb / (verify_ref_ms / 1000),
    verify_ratio: verify_ref_ms / verify_ms,
  };
}

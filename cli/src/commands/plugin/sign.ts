import { writeFileSync } from "node:fs";
import { Args, Flags } from "@oclif/core";
import { readSignatures, sign, verify } from "@hermes/runtime/plugin-registry";
import { HermesCommand } from "../../base-command.js";
import { readSecretKey, publicKeyText } from "../../plugins/keys.js";
import { readWasm } from "../../plugins/artifact.js";

export default class PluginSign extends HermesCommand<typeof PluginSign> {
  static override summary = "Sign a plugin with an Ed25519 key (wasmsign2-compatible).";
  static override description =
    "Adds a signature over the module to its `signature` custom section, as wasmsign2 does; signing again with another key adds a second signature. Writes the file in place unless --out. The key is a file (--key) or, in CI, the PEM in HERMES_SIGNING_KEY.";
  static override examples = [
    "<%= config.bin %> plugin sign dist/twilio-sms.wasm --key hermes-publisher.key",
    'HERMES_SIGNING_KEY="$KEY" <%= config.bin %> plugin sign dist/twilio-sms.wasm --out dist/twilio-sms.signed.wasm',
  ];
  static override enableJsonFlag = true;
  static override args = {
    file: Args.string({ description: "The .wasm to sign.", required: true }),
  };
  static override flags = {
    key: Flags.string({
      char: "k",
      description: "Secret key file (PEM, DER or wasmsign2). Else HERMES_SIGNING_KEY.",
      helpValue: "<file>",
    }),
    out: Flags.string({
      char: "o",
      description: "Write the signed module here instead of in place.",
      helpValue: "<file>",
    }),
  };

  public async run(): Promise<unknown> {
    const secretKey = readSecretKey(this.flags.key);
    // The key id (wasmsign2's default) lets a verifier say whose signature
    // was damaged, instead of taking it for a stranger's.
    const signed = sign(readWasm(this.args.file), secretKey, {
      keyId: secretKey.publicKey.wasmsign2KeyId(),
    });
    const { contentHash } = verify(signed, [secretKey.publicKey]);
    const out = this.flags.out ?? this.args.file;
    writeFileSync(out, signed);
    const signatures = (readSignatures(signed)?.signedHashesSet ?? []).reduce(
      (n, set) => n + set.signatures.length,
      0,
    );
    this.log(
      `Signed ${out} with key ${secretKey.publicKey.id} (${signatures} signature${signatures === 1 ? "" : "s"}; content sha256 ${contentHash})`,
    );
    return {
      file: out,
      keyId: secretKey.publicKey.id,
      publicKey: publicKeyText(secretKey.publicKey),
      contentHash,
      signatures,
    };
  }
}

import { Args, Flags } from "@oclif/core";
import { verify, type PublicKey } from "@hermes/runtime/plugin-registry";
import { HermesCommand } from "../../base-command.js";
import { ExitCode } from "../../errors/exit-codes.js";
import { Failure } from "../../errors/failure.js";
import { readPublicKey, readTrustedKeys } from "../../plugins/keys.js";
import { readWasm } from "../../plugins/artifact.js";

export default class PluginVerify extends HermesCommand<typeof PluginVerify> {
  static override summary = "Check a plugin's signature against public keys.";
  static override description =
    `Verifies as the gateway does: the module must be signed, unchanged since signing, and signed by at least one of the given keys. Exits 0 naming the keys that signed it, or ${ExitCode.PluginRejected} saying whether it is unsigned, tampered or signed by none of them.`;
  static override examples = [
    "<%= config.bin %> plugin verify dist/twilio-sms.wasm --key hermes-publisher.pub",
    "<%= config.bin %> plugin verify dist/twilio-sms.wasm --trust trusted-keys/",
  ];
  static override enableJsonFlag = true;
  static override args = {
    file: Args.string({ description: "The .wasm to check.", required: true }),
  };
  static override flags = {
    key: Flags.string({
      char: "k",
      multiple: true,
      description: "A public key (base64, hex or key file); repeatable.",
    }),
    trust: Flags.string({
      description: "A directory of *.pub/*.pem key files, or a file with one key per line.",
      helpValue: "<path>",
    }),
  };

  public async run(): Promise<unknown> {
    const keys: PublicKey[] = [
      ...(this.flags.key ?? []).map(readPublicKey),
      ...(this.flags.trust ? readTrustedKeys(this.flags.trust) : []),
    ];
    if (keys.length === 0) {
      throw new Failure(
        ExitCode.Usage,
        "no keys to verify against: pass --key <public key> or --trust <dir or file>",
        { reason: "usage", field: "key" },
      );
    }
    const { signers, contentHash } = verify(readWasm(this.args.file), keys);
    this.log(
      `${this.args.file}: signature OK, signed by ${signers.map((k) => k.id).join(", ")} (content sha256 ${contentHash})`,
    );
    return { file: this.args.file, verified: true, signers: signers.map((k) => k.id), contentHash };
  }
}

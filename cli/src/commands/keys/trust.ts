import { Args, Flags } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { TrustedKeySchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { publicKeyText, readPublicKey } from "../../plugins/keys.js";

export default class KeysTrust extends GatewayCommand<typeof KeysTrust> {
  static override summary = "Add a publisher's public key to the gateway's trust store.";
  static override description =
    "The gateway accepts a published plugin only when a trusted key signed it. Takes the key as printed by `hermes keys generate` (base64), 64 hex characters, or a key file. Needs an admin key.";
  static override examples = [
    "<%= config.bin %> keys trust hermes-publisher.pub --comment 'release pipeline'",
    "<%= config.bin %> keys trust 8zC4xq…= --server https://hermes.example.com",
  ];
  static override enableJsonFlag = true;
  static override args = {
    publicKey: Args.string({
      description: "Public key (base64, hex) or key file.",
      required: true,
    }),
  };
  static override flags = {
    comment: Flags.string({ description: "Who or what this key belongs to." }),
  };

  public async run(): Promise<unknown> {
    const key = readPublicKey(this.args.publicKey);
    const { key: trusted } = await this.gateway.plugins.trustKey({
      publicKey: key.raw,
      comment: this.flags.comment ?? "",
    });
    this.log(
      `Trusted key ${trusted?.id ?? key.id} (${publicKeyText(key)})${trusted?.comment ? `: ${trusted.comment}` : ""}`,
    );
    return trusted ? toJson(TrustedKeySchema, trusted) : undefined;
  }
}

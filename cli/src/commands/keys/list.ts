import { toJson } from "@bufbuild/protobuf";
import { ListTrustedKeysResponseSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { renderTable } from "../../output/table.js";
import { isoTime } from "../../output/names.js";

export default class KeysList extends GatewayCommand<typeof KeysList> {
  static override summary = "List the publisher keys the gateway trusts.";
  static override examples = ["<%= config.bin %> keys list", "<%= config.bin %> keys list --json"];
  static override enableJsonFlag = true;

  public async run(): Promise<unknown> {
    const list = await this.gateway.plugins.listTrustedKeys({});
    if (this.jsonEnabled()) return toJson(ListTrustedKeysResponseSchema, list);
    if (list.keys.length === 0) {
      this.log(
        "No trusted keys: the gateway refuses every plugin. Add one with `hermes keys trust <public key>`.",
      );
      return list;
    }
    this.log(
      await renderTable(
        list.keys.map((k) => ({
          id: k.id,
          key: Buffer.from(k.publicKey).toString("base64"),
          comment: k.comment,
          added: isoTime(k.addedAt),
        })),
        [
          { key: "id", name: "Id" },
          { key: "key", name: "Public key" },
          { key: "comment", name: "Comment" },
          { key: "added", name: "Added" },
        ],
      ),
    );
    return list;
  }
}

import { Flags } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { SuppressionSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { channelNames, channelOf } from "../../output/names.js";
import { suppressionTable } from "../../output/suppression-view.js";
import { addressArg, kindFlag, suppressionAddress } from "../../suppression/suppression-input.js";

export default class SuppressRemove extends GatewayCommand<typeof SuppressRemove> {
  static override summary = "Lift an address's suppression.";
  static override description =
    "Removes the address's entries from your tenant's suppression list: every one, or the one for --channel. The removal is audited under your key's name, with --note. Needs an admin key.";
  static override examples = [
    "<%= config.bin %> suppress remove +447700900123 --note 'opted in again on the website'",
    "<%= config.bin %> suppress remove ann@example.com --channel email",
  ];
  static override enableJsonFlag = true;
  static override args = {
    address: addressArg,
  };
  static override flags = {
    channel: Flags.option({
      options: channelNames,
      description: "Only the entry for this channel.",
    })(),
    kind: kindFlag(),
    note: Flags.string({ description: "Why, for the audit trail.", default: "" }),
  };

  public async run(): Promise<unknown> {
    const { channel, kind, note } = this.flags;
    const { removed } = await this.gateway.suppressions.removeSuppression({
      address: suppressionAddress(this.args.address, kind, channel),
      channel: channel ? channelOf(channel) : undefined,
      note,
    });
    if (this.jsonEnabled()) return removed.map((s) => toJson(SuppressionSchema, s));
    this.log(
      removed.length
        ? `Removed:\n${await suppressionTable(removed)}`
        : `${this.args.address} was not suppressed.`,
    );
    return removed;
  }
}

import { Flags } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { SuppressionSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { channelNames, channelOf } from "../../output/names.js";
import { suppressionTable } from "../../output/suppression-view.js";
import {
  addressArg,
  kindFlag,
  reasonNames,
  reasonOf,
  suppressionAddress,
} from "../../suppression/suppression-input.js";

export default class SuppressAdd extends GatewayCommand<typeof SuppressAdd> {
  static override summary = "Suppress an address: no message of your tenant goes to it.";
  static override description =
    "Adds an entry to your tenant's suppression list (or replaces the one for that address and channel). Sends to it are REJECTED with SUPPRESSED from then on, and cascades skip it. The change is audited under your key's name. Needs an admin key.";
  static override examples = [
    "<%= config.bin %> suppress add +447700900123 --note 'asked by phone'",
    "<%= config.bin %> suppress add ann@example.com --reason opt-out --note 'imported from the old provider'",
    "<%= config.bin %> suppress add +447700900123 --channel sms",
  ];
  static override enableJsonFlag = true;
  static override args = {
    address: addressArg,
  };
  static override flags = {
    channel: Flags.option({
      options: channelNames,
      description: "Only this channel (default: every channel).",
    })(),
    kind: kindFlag(),
    reason: Flags.option({
      options: reasonNames,
      default: "manual" as const,
      description: "Why.",
    })(),
    note: Flags.string({ description: "Why, in words, for the audit trail.", default: "" }),
  };

  public async run(): Promise<unknown> {
    const { channel, kind, reason, note } = this.flags;
    const { suppression } = await this.gateway.suppressions.addSuppression({
      address: suppressionAddress(this.args.address, kind, channel),
      channel: channel ? channelOf(channel) : undefined,
      reason: reasonOf(reason),
      note,
    });
    if (this.jsonEnabled()) return suppression && toJson(SuppressionSchema, suppression);
    if (suppression) this.log(await suppressionTable([suppression]));
    return suppression;
  }
}

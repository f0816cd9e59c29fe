import { Args, Flags } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { type Suppression, SuppressionSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { suppressionTable } from "../../output/suppression-view.js";
import { kindFlag, suppressionAddress } from "../../suppression/suppression-input.js";

export default class SuppressList extends GatewayCommand<typeof SuppressList> {
  static override summary = "List your tenant's suppression list.";
  static override description =
    "Every address no message goes to, oldest first: the channel it is limited to (all: every channel), why (opt-out, hard-bounce, complaint, manual), a note and what added it. With an address, only its entries. Needs an admin key.";
  static override examples = [
    "<%= config.bin %> suppress list",
    "<%= config.bin %> suppress list +447700900123",
    "<%= config.bin %> suppress list --json | jq -r '.[].address.email // empty'",
  ];
  static override enableJsonFlag = true;
  static override args = {
    address: Args.string({ description: "Only this address's entries." }),
  };
  static override flags = {
    kind: kindFlag("else guessed"),
    limit: Flags.integer({ default: 1000, min: 1, description: "List at most this many." }),
  };

  public async run(): Promise<unknown> {
    const address = this.args.address
      ? suppressionAddress(this.args.address, this.flags.kind)
      : undefined;
    const entries: Suppression[] = [];
    let pageToken = "";
    do {
      const page = await this.gateway.suppressions.listSuppressions({
        address,
        pageSize: Math.min(1000, this.flags.limit - entries.length),
        pageToken,
      });
      entries.push(...page.suppressions);
      pageToken = page.nextPageToken;
    } while (pageToken && entries.length < this.flags.limit);
    if (this.jsonEnabled()) return entries.map((s) => toJson(SuppressionSchema, s));
    this.log(entries.length ? await suppressionTable(entries) : "No suppressed addresses.");
    return entries;
  }
}

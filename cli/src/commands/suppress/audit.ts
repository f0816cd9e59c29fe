import { Flags } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { SuppressionChangeSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { changeTable } from "../../output/suppression-view.js";

export default class SuppressAudit extends GatewayCommand<typeof SuppressAudit> {
  static override summary = "Show the audit trail of your tenant's suppression list.";
  static override description =
    "Every entry added or removed, oldest first: when, what, by whom (api:<key name>, or route:<route> for inbound keywords, bounces and complaints) and why. --since resumes after a change's number. Needs an admin key.";
  static override examples = [
    "<%= config.bin %> suppress audit",
    "<%= config.bin %> suppress audit --since 120 --json",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    since: Flags.integer({ default: 0, min: 0, description: "Only changes after this number." }),
    limit: Flags.integer({
      default: 100,
      min: 1,
      max: 1000,
      description: "Show at most this many.",
    }),
  };

  public async run(): Promise<unknown> {
    const { changes } = await this.gateway.suppressions.listSuppressionChanges({
      afterSequence: BigInt(this.flags.since),
      pageSize: this.flags.limit,
    });
    if (this.jsonEnabled()) return changes.map((c) => toJson(SuppressionChangeSchema, c));
    this.log(changes.length ? await changeTable(changes) : "No changes.");
    return changes;
  }
}

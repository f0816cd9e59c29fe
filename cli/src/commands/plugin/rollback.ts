import { Args } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { PluginVersionSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { versionLine } from "../../plugins/plugin-version-view.js";

export default class PluginRollback extends GatewayCommand<typeof PluginRollback> {
  static override summary = "Re-activate the version that was active before the current one.";
  static override examples = ["<%= config.bin %> plugin rollback twilio-sms"];
  static override enableJsonFlag = true;
  static override args = {
    name: Args.string({ description: "The plugin's name.", required: true }),
  };

  public async run(): Promise<unknown> {
    const { plugin } = await this.step(`Rolling back ${this.args.name}`, () =>
      this.gateway.plugins.rollbackPlugin({ name: this.args.name }),
    );
    this.log(`Active: ${versionLine(plugin!)}`);
    return toJson(PluginVersionSchema, plugin!);
  }
}

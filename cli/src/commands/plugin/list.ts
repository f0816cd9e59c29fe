import { Args } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { ListPluginsResponseSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { versionsTable } from "../../plugins/plugin-version-view.js";

export default class PluginList extends GatewayCommand<typeof PluginList> {
  static override summary = "List the plugins and versions stored on the gateway.";
  static override examples = [
    "<%= config.bin %> plugin list",
    "<%= config.bin %> plugin list twilio-sms --json",
  ];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: "Only this plugin's versions." }) };

  public async run(): Promise<unknown> {
    const list = await this.gateway.plugins.listPlugins({ name: this.args.name ?? "" });
    if (this.jsonEnabled()) return toJson(ListPluginsResponseSchema, list);
    this.log(
      list.plugins.length
        ? await versionsTable(list.plugins)
        : "No plugins published yet. Publish one with `hermes plugin publish <file.wasm>`.",
    );
    return list;
  }
}

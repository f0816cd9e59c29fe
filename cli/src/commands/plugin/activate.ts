import { Args } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { PluginVersionSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { ExitCode } from "../../errors/exit-codes.js";
import { Failure } from "../../errors/failure.js";
import { versionLine } from "../../plugins/plugin-version-view.js";

export default class PluginActivate extends GatewayCommand<typeof PluginActivate> {
  static override summary = "Make a published version serve new sends (hot swap, zero downtime).";
  static override description =
    "Sends in flight finish on the previous version, which is then drained. Exits 6 when the plugin or version is unknown.";
  static override examples = ["<%= config.bin %> plugin activate twilio-sms@1.1.0"];
  static override enableJsonFlag = true;
  static override args = { ref: Args.string({ description: "<name>@<version>", required: true }) };

  public async run(): Promise<unknown> {
    const match = /^([a-z0-9-]{1,64})@(\S+)$/.exec(this.args.ref);
    if (!match)
      throw new Failure(
        ExitCode.Usage,
        `expected <name>@<version>, e.g. twilio-sms@1.1.0, got "${this.args.ref}"`,
        { reason: "usage", hints: ["`hermes plugin list` shows the published versions"] },
      );
    const [, name, version] = match;
    const res = await this.step(`Activating ${name}@${version}`, () =>
      this.gateway.plugins.activatePlugin({ name, version }),
    );
    this.log(
      `Active: ${versionLine(res.plugin!)}${res.previousVersion ? ` (was ${res.previousVersion}; undo with \`hermes plugin rollback ${name}\`)` : ""}`,
    );
    return {
      plugin: toJson(PluginVersionSchema, res.plugin!),
      previousVersion: res.previousVersion,
    };
  }
}

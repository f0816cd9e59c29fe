import { Args, Flags } from "@oclif/core";
import { toJson } from "@bufbuild/protobuf";
import { PluginVersionSchema } from "@hermes/runtime/contracts";
import { GatewayCommand } from "../../gateway-command.js";
import { kib, readWasm } from "../../plugins/artifact.js";
import { versionLine } from "../../plugins/plugin-version-view.js";

export default class PluginPublish extends GatewayCommand<typeof PluginPublish> {
  static override summary = "Upload a signed plugin to the gateway (PluginService.PublishPlugin).";
  static override description =
    "The gateway checks the signature against its trust store and the manifest before storing the version (exit 10 if unsigned, tampered or signed by no trusted key). With --activate it serves new sends right away; otherwise activate it later with `hermes plugin activate`. Needs an admin key; in CI pass --server and --token (or HERMES_URL and HERMES_TOKEN).";
  static override examples = [
    "<%= config.bin %> plugin publish dist/twilio-sms.wasm --activate",
    '<%= config.bin %> plugin publish dist/twilio-sms.wasm --server https://hermes.example.com --token "$HERMES_ADMIN_TOKEN" --json',
  ];
  static override enableJsonFlag = true;
  static override args = {
    file: Args.string({ description: "The signed .wasm.", required: true }),
  };
  static override flags = {
    activate: Flags.boolean({ description: "Activate the version once published." }),
  };

  public async run(): Promise<unknown> {
    const artifact = readWasm(this.args.file);
    const { plugin } = await this.step(
      `Publishing ${this.args.file} (${kib(artifact.length)}) to ${this.connection.server}`,
      () => this.gateway.plugins.publishPlugin({ artifact, activate: this.flags.activate }),
    );
    this.log(`Published ${versionLine(plugin!)}`);
    if (!plugin!.active)
      this.log(`Activate it with: hermes plugin activate ${plugin!.name}@${plugin!.version}`);
    return toJson(PluginVersionSchema, plugin!);
  }
}

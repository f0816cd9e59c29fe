import { join, relative } from "node:path";
import { Args, Flags } from "@oclif/core";
import { HermesCommand } from "../../base-command.js";
import { ExitCode } from "../../errors/exit-codes.js";
import { Failure } from "../../errors/failure.js";
import { listTemplates, scaffold, templatesDir } from "../../plugins/templates.js";

export default class PluginNew extends HermesCommand<typeof PluginNew> {
  static override summary = "Start a plugin from a template.";
  static override description =
    "Copies plugin-templates/<template> into ./<name> (or --dir) and renames the plugin to <name> in its files (the manifest name in plugin.ts, the README). `hermes plugin templates` lists the templates.";
  static override examples = [
    "<%= config.bin %> plugin new acme-sms --template twilio-sms",
    "<%= config.bin %> plugin new acme-mail --template sendgrid-email --dir plugins/acme-mail",
  ];
  static override enableJsonFlag = true;
  static override args = {
    name: Args.string({
      description: "Plugin name: lower-case letters, digits and dashes.",
      required: true,
    }),
  };
  static override flags = {
    template: Flags.string({
      char: "t",
      description: "Template to copy (see `hermes plugin templates`).",
      required: true,
    }),
    dir: Flags.string({
      char: "d",
      description: "Where to create the plugin (default ./<name>).",
      helpValue: "<dir>",
    }),
  };

  public async run(): Promise<unknown> {
    const { name } = this.args;
    if (!/^[a-z0-9-]{1,64}$/.test(name)) {
      throw new Failure(
        ExitCode.Usage,
        `"${name}" is not a plugin name: use 1-64 lower-case letters, digits and dashes (it becomes the manifest name)`,
        { reason: "usage" },
      );
    }
    const dir = templatesDir();
    const templates = listTemplates(dir);
    const template = templates.find((t) => t.name === this.flags.template);
    if (!template) {
      throw new Failure(ExitCode.Usage, `no template "${this.flags.template}" in ${dir}`, {
        reason: "unknown_template",
        hints: [
          templates.length
            ? `templates: ${templates.map((t) => t.name).join(", ")}`
            : "the templates folder is empty; set HERMES_TEMPLATES to a folder of templates",
        ],
      });
    }
    const target = this.flags.dir ?? join(".", name);
    const files = scaffold(template, target, name);
    const shown = relative(process.cwd(), target) || ".";
    this.log(`Created ${shown} from ${template.name}: ${files.join(", ")}`);
    this.log(
      [
        "",
        "Next:",
        `  cd ${shown}`,
        "  hermes plugin build          # dist/<name>.wasm",
        "  hermes plugin test           # the conformance kit with test/fixtures.json",
        "  hermes keys generate && hermes plugin sign dist/*.wasm --key hermes-publisher.key",
      ].join("\n"),
    );
    return { dir: target, template: template.name, files };
  }
}

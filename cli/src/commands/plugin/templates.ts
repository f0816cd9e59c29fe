import { HermesCommand } from "../../base-command.js";
import { listTemplates, templatesDir } from "../../plugins/templates.js";
import { renderTable } from "../../output/table.js";

export default class PluginTemplates extends HermesCommand<typeof PluginTemplates> {
  static override summary = "List the templates `hermes plugin new` can start from.";
  static override description =
    "Templates are the folders of plugin-templates/ (or HERMES_TEMPLATES): a plugin.ts, a README.md and test/fixtures.json.";
  static override examples = ["<%= config.bin %> plugin templates"];
  static override enableJsonFlag = true;

  public async run(): Promise<unknown> {
    const dir = templatesDir();
    const templates = listTemplates(dir).map(({ name, description }) => ({ name, description }));
    this.log(
      templates.length
        ? await renderTable(templates, [
            { key: "name", name: "Template" },
            { key: "description", name: "Description" },
          ])
        : `No templates in ${dir}.`,
    );
    return { dir, templates };
  }
}

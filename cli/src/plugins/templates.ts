import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";

/** Where templates live: HERMES_TEMPLATES, else the repository's plugin-templates/. */
export function templatesDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.HERMES_TEMPLATES || fileURLToPath(new URL("../../../plugin-templates", import.meta.url))
  );
}

export interface TemplateInfo {
  readonly name: string;
  /** The README's title line, without the leading "# name — ". */
  readonly description: string;
  readonly dir: string;
}

/** Every folder of the templates directory is a template; the README's first line describes it. */
export function listTemplates(dir: string): TemplateInfo[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && !name.startsWith("."))
    .sort()
    .map((name) => {
      const readme = join(dir, name, "README.md");
      const title = existsSync(readme) ? (readFileSync(readme, "utf8").split("\n")[0] ?? "") : "";
      return {
        name,
        dir: join(dir, name),
        description: title.replace(/^#\s*/, "").replace(new RegExp(`^${name}\\s*[—-]+\\s*`), ""),
      };
    });
}

/** Files whose text names the plugin: the template's name in them becomes the new name. */
const textFile = /\.(ts|json|md|txt|toml|yaml|yml)$/;

/**
 * Copies a template into `target` and renames the plugin: every occurrence of
 * the template's name in its text files (the manifest name in plugin.ts, a
 * package.json, the README) becomes `name`. Returns the files written.
 */
export function scaffold(template: TemplateInfo, target: string, name: string): string[] {
  const dest = resolve(target);
  if (existsSync(dest) && readdirSync(dest).length > 0) {
    throw new Failure(ExitCode.Usage, `${dest} exists and is not empty`, {
      reason: "exists",
      hints: ["pick another name or --dir"],
    });
  }
  cpSync(template.dir, dest, {
    recursive: true,
    filter: (src) => !/node_modules|[/\\]dist([/\\]|$)/.test(src),
  });
  const files = readdirSync(dest, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(join(dest, f)).isFile())
    .sort();
  const pattern = new RegExp(`\\b${template.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "g");
  for (const file of files.filter((f) => textFile.test(f))) {
    const path = join(dest, file);
    const text = readFileSync(path, "utf8");
    const renamed = text.replace(pattern, name);
    if (renamed !== text) writeFileSync(path, renamed);
  }
  return files;
}

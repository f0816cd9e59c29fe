import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ConformanceFixtures } from "@hermes/runtime/conformance";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";

/**
 * A plugin project as `hermes plugin new` lays it out (the templates' shape):
 * plugin.ts (the entry), README.md, test/fixtures.json (the provider cases
 * the conformance kit replays) and any test/*.test.ts of its own.
 */
export interface PluginProject {
  readonly dir: string;
  readonly entry: string;
}

export function pluginProject(dir: string, entry = "plugin.ts"): PluginProject {
  const root = resolve(dir);
  const file = resolve(root, entry);
  if (!existsSync(file)) {
    throw new Failure(ExitCode.Usage, `no plugin entry at ${file}`, {
      reason: "no_entry",
      hints: [
        "run this in a plugin directory, pass it as an argument, or name the entry with --entry",
        "start one with `hermes plugin new <name> --template <template>`",
      ],
    });
  }
  return { dir: root, entry: file };
}

export function readFixtures(path: string): ConformanceFixtures {
  let fixtures: unknown;
  try {
    fixtures = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new Failure(
      ExitCode.Usage,
      `cannot read the fixtures ${path}: ${(cause as Error).message}`,
      { reason: "bad_fixtures" },
    );
  }
  if (
    typeof fixtures !== "object" ||
    fixtures === null ||
    typeof (fixtures as { config?: unknown }).config !== "object"
  ) {
    throw new Failure(
      ExitCode.Usage,
      `${path} needs a "config" object (a working config for the plugin) beside its cases`,
      { reason: "bad_fixtures" },
    );
  }
  return fixtures as ConformanceFixtures;
}

/** The plugin's own tests: test/**\/*.test.{ts,js,mjs}. */
export function ownTests(project: PluginProject): string[] {
  const dir = join(project.dir, "test");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.test\.(ts|js|mjs)$/.test(f) && !f.includes("node_modules"))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * The node_modules folder that holds @hermes/sdk, handed to asc with --path
 * so a plugin outside this repository still resolves "@hermes/sdk".
 */
export function sdkModulesDir(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", "@hermes", "sdk"))) return join(dir, "node_modules");
    if (dirname(dir) === dir) return undefined;
  }
}

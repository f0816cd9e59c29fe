// Builds the plugin templates `hermes dev --providers` runs, once per content:
// the .wasm is cached under a key over the template's sources and the SDK's,
// so the second start loads it from disk instead of loading the compiler.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Compiles a plugin entry (plugin.ts) to a loadable .wasm. The CLI passes the
 * SDK's buildPlugin; the runtime takes it as a function because the SDK
 * builds on the runtime, not the other way round.
 */
export type CompilePlugin = (entry: string) => Promise<Uint8Array>;

const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const templatesDir = join(repositoryRoot, "plugin-templates");

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.includes("node_modules") && !f.startsWith("test"))
    .sort()
    .map((f) => join(dir, f));
}

/** A content key over the template's sources and the SDK's (runtime and build code). */
function sourceHash(template: string): string {
  const hash = createHash("sha256");
  for (const file of [
    ...sourcesOf(join(templatesDir, template)),
    ...sourcesOf(join(repositoryRoot, "sdk", "assembly")),
    ...sourcesOf(join(repositoryRoot, "sdk", "builder")),
  ]) {
    hash.update(file.slice(repositoryRoot.length)).update(readFileSync(file));
  }
  return hash.digest("hex").slice(0, 24);
}

/**
 * Where the build of plugin-templates/<template>'s current sources lives in `cacheDir` (whether or
 * not it is built yet).
 */
export function devPluginPath(template: string, cacheDir: string): string {
  return join(cacheDir, `${template}-${sourceHash(template)}.wasm`);
}

/**
 * The path of plugin-templates/<template> built into `cacheDir`, compiling it
 * only when no build of its current sources is there. Older builds of the
 * template are removed.
 */
export async function devPluginFile(
  template: string,
  compile: CompilePlugin,
  cacheDir: string,
): Promise<string> {
  const file = devPluginPath(template, cacheDir);
  if (existsSync(file)) return file;
  const wasm = await compile(join(templatesDir, template, "plugin.ts"));
  mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed, so a second dev gateway never reads half a file.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, wasm);
  renameSync(temp, file);
  for (const old of readdirSync(cacheDir)) {
    if (old.startsWith(`${template}-`) && old.endsWith(".wasm") && join(cacheDir, old) !== file)
      rmSync(join(cacheDir, old), { force: true });
  }
  return file;
}

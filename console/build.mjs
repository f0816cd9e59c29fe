#!/usr/bin/env node
// Builds the operator console into runtime/console/, where the gateway
// serves it from (docs/console.md): the page, its stylesheet and one
// bundled, minified script. `npm ci` runs it (prepare), and so does
// `npm test` before the tests, so what is served is what the sources say.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const out = join(here, "..", "runtime", "console");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.ts")],
  outfile: join(out, "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(out, "index.html"));
copyFileSync(join(here, "app.css"), join(out, "app.css"));

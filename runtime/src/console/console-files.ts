import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A file of the console's bundle, read once. */
export interface ConsoleFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/** Where `npm ci` (or `npm run build:console`) puts the bundle: runtime/console/. */
export const bundleDir = fileURLToPath(new URL("../../console/", import.meta.url));

const types: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * The console's files by name ("index.html", "app.js"...), read into memory
 * when the gateway starts: a few hundred kilobytes, served without touching
 * the disk again. Undefined when the bundle was never built.
 */
export function readConsoleFiles(dir = bundleDir): ReadonlyMap<string, ConsoleFile> | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  if (!names.includes("index.html")) return undefined;
  const files = new Map<string, ConsoleFile>();
  for (const name of names) {
    const contentType = types[extname(name)];
    if (contentType) files.set(name, { body: readFileSync(join(dir, name)), contentType });
  }
  return files;
}

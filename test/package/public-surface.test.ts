// The runtime's public surface is its package exports: the CLI, the SDK and
// the tests reach the runtime only through them, and every subpath's
// index.ts only re-exports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const runtimeDir = join(root, "runtime");
const exportsMap = JSON.parse(readFileSync(join(runtimeDir, "package.json"), "utf8"))
  .exports as Record<string, string>;
const subpaths = Object.keys(exportsMap).filter((key) => key !== "./package.json");

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter(
      (file) => /\.(ts|mts|mjs|js)$/.test(file) && !/node_modules|[/\\]assembly[/\\]/.test(file),
    )
    .map((file) => join(dir, file))
    .filter((path) => statSync(path).isFile());
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm,
  )) {
    found.push(match[1]!);
  }
  return found;
}

/** Why an import from `file` reaches past the runtime's exports, or undefined when it does not. */
function violation(file: string, specifier: string): string | undefined {
  if (specifier.startsWith("@hermes/runtime")) {
    const subpath = `.${specifier.slice("@hermes/runtime".length)}`;
    return subpaths.includes(subpath)
      ? undefined
      : `${specifier} is not an export of @hermes/runtime`;
  }
  if (specifier.startsWith(".")) {
    const target = resolve(dirname(file), specifier);
    if (relative(runtimeDir, target).startsWith("..")) return undefined;
    return `${specifier} reaches into runtime/ by path; import an @hermes/runtime subpath`;
  }
  return undefined;
}

test("cli/, sdk/, test/, docs/examples and console/ import the runtime only through its package exports", () => {
  const offences: string[] = [];
  for (const dir of ["cli", "sdk", "test", "docs/examples", "console"]) {
    for (const file of sources(join(root, dir))) {
      for (const specifier of specifiers(readFileSync(file, "utf8"))) {
        const why = violation(file, specifier);
        if (why) offences.push(`${relative(root, file)}: ${why}`);
      }
    }
  }
  assert.deepEqual(offences, []);
});

test("the check refuses a deep import, a relative path into runtime/ and an unknown subpath", () => {
  const file = join(root, "test", "x.test.ts");
  assert.match(violation(file, "@hermes/runtime/store/message-store") ?? "", /not an export/);
  assert.match(violation(file, "../runtime/src/gateway.js") ?? "", /by path/);
  assert.equal(violation(file, "@hermes/runtime/kernel"), undefined);
  assert.equal(violation(file, "../support/wait.js"), undefined);
  assert.deepEqual(specifiers('import { a } from "x";\nexport * from "y";\nawait import("z");'), [
    "x",
    "y",
    "z",
  ]);
});

test("each subpath's entry point only re-exports", () => {
  for (const subpath of subpaths) {
    const entry = join(runtimeDir, exportsMap[subpath]!);
    const statements = readFileSync(entry, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "")
      .split(";")
      .map((statement) => statement.trim())
      .filter(Boolean);
    for (const statement of statements) {
      assert.match(
        statement,
        /^export (type )?(\*|\{[^}]*\})( as \w+)? from "[^"]+"$/s,
        `${subpath} (${exportsMap[subpath]}) holds more than re-exports: ${statement.slice(0, 80)}`,
      );
    }
  }
});

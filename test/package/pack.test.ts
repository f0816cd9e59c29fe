// `npm pack` of runtime/ gives a package whose every export resolves: a
// scratch project with the tarball installed as its @hermes/runtime imports
// each subpath. The scratch project sits under the repository's
// node_modules, so the package's own dependencies resolve from there as
// they would from an install, while @hermes/runtime is the packed copy.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const exportsMap = JSON.parse(readFileSync(join(root, "runtime", "package.json"), "utf8"))
  .exports as Record<string, string>;

/** One symbol each subpath must provide, so an empty module does not pass. */
const expected: Record<string, string> = {
  ".": "startGateway",
  "./kernel": "Supervisor",
  "./drivers": "SmppAdapter",
  "./plugin-host": "PluginHost",
  "./plugin-registry": "PluginRegistry",
  "./conformance": "runConformance",
  "./contracts": "MessageService",
  "./contracts/plugin": "ManifestSchema",
  "./simulators": "SmscSimulator",
  "./dev": "startDevEnvironment",
  "./smpp-server": "SmppServer",
};

let scratch: string;
let packed: string[];

before(() => {
  mkdirSync(join(root, "node_modules", ".cache"), { recursive: true });
  scratch = mkdtempSync(join(root, "node_modules", ".cache", "hermes-pack-"));
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", scratch], {
    cwd: join(root, "runtime"),
    encoding: "utf8",
  }).trim();
  execFileSync("tar", ["xzf", join(scratch, tarball), "-C", scratch]);
  mkdirSync(join(scratch, "node_modules", "@hermes"), { recursive: true });
  renameSync(join(scratch, "package"), join(scratch, "node_modules", "@hermes", "runtime"));
  packed = readdirSync(join(scratch, "node_modules", "@hermes", "runtime"), {
    recursive: true,
    encoding: "utf8",
  });
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ type: "module", private: true }));
});

after(() => rmSync(scratch, { recursive: true, force: true }));

test("every export of the packed package resolves inside the package and provides its API", () => {
  assert.deepEqual(
    Object.keys(expected).sort(),
    Object.keys(exportsMap)
      .filter((k) => k !== "./package.json")
      .sort(),
  );
  const probe = `
    const results = {};
    for (const [subpath, symbol] of Object.entries(${JSON.stringify(expected)})) {
      const specifier = "@hermes/runtime" + subpath.slice(1);
      const module = await import(specifier);
      results[subpath] = { resolved: import.meta.resolve(specifier), has: symbol in module };
    }
    process.stdout.write(JSON.stringify(results));
  `;
  writeFileSync(join(scratch, "probe.mjs"), probe);
  const out = execFileSync(process.execPath, ["--import", "tsx", "probe.mjs"], {
    cwd: scratch,
    encoding: "utf8",
  });
  const results = JSON.parse(out) as Record<string, { resolved: string; has: boolean }>;
  for (const [subpath, symbol] of Object.entries(expected)) {
    const result = results[subpath]!;
    assert.ok(
      result.resolved.includes("/node_modules/.cache/") &&
        result.resolved.includes("/node_modules/@hermes/runtime/"),
      `${subpath} resolved to the packed copy, not the workspace (${result.resolved})`,
    );
    assert.ok(result.has, `${subpath} provides ${symbol}`);
  }
});

test("the package ships sources, not tests", () => {
  assert.ok(packed.includes(join("src", "index.ts")));
  assert.deepEqual(
    packed.filter((file) => file.endsWith(".test.ts")),
    [],
  );
});

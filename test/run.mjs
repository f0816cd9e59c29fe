#!/usr/bin/env node
// `npm test`: checks the contracts and generated code, type-checks, lints and
// checks formatting with Biome, builds the console, then runs every test
// file (unit tests beside the sources, integration tests in test/) with
// node's test runner. Tests build the .wasm they need themselves.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);
const only = process.argv.slice(2);
// Local tools (buf, protoc-gen-es, asc) resolve as they do under `npm run`.
process.env.PATH = `${join(root, "node_modules", ".bin")}:${process.env.PATH}`;

function step(title, command, args, options = {}) {
  process.stdout.write(`\n▶ ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (result.status !== 0) {
    process.stdout.write(`✖ ${title} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status || 1);
  }
}

/** Regenerates into a scratch copy of the repository's generated folders and diffs. */
function checkGeneratedInSync() {
  process.stdout.write("\n▶ generated code is in sync with proto/\n");
  const scratch = mkdtempSync(join(tmpdir(), "hermes-gen-"));
  try {
    const template = readFileSync(join(root, "buf.gen.yaml"), "utf8");
    const outs = [...template.matchAll(/^\s*out:\s*(\S+)\s*$/gm)].map((m) => m[1]);
    const scratchTemplate = template.replace(
      /^(\s*out:\s*)(\S+)\s*$/gm,
      (_, lead, out) => `${lead}${join(scratch, out)}`,
    );
    writeFileSync(join(scratch, "buf.gen.yaml"), scratchTemplate);
    const result = spawnSync(
      bin("buf"),
      ["generate", "--template", join(scratch, "buf.gen.yaml")],
      { cwd: root, stdio: "inherit" },
    );
    if (result.status !== 0) process.exit(result.status || 1);
    const drift = [];
    for (const out of outs) drift.push(...diffTrees(join(root, out), join(scratch, out), out));
    if (drift.length > 0) {
      process.stdout.write(
        `✖ generated code is out of sync; run \`npm run generate\`:\n  ${drift.join("\n  ")}\n`,
      );
      process.exit(1);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function listFiles(dir) {
  try {
    return readdirSync(dir, { recursive: true })
      .filter((f) => statSync(join(dir, f)).isFile())
      .sort();
  } catch {
    return [];
  }
}

function diffTrees(committed, fresh, label) {
  const a = listFiles(committed);
  const b = listFiles(fresh);
  const drift = [];
  for (const f of new Set([...a, ...b])) {
    if (!a.includes(f)) drift.push(`missing ${join(label, f)}`);
    else if (!b.includes(f)) drift.push(`stale ${join(label, f)}`);
    else if (!readFileSync(join(committed, f)).equals(readFileSync(join(fresh, f))))
      drift.push(`differs ${join(label, f)}`);
  }
  return drift;
}

/**
 * Compares the contracts with the previous main: the ref in
 * HERMES_BREAKING_AGAINST when CI names it (e.g. the commit a push starts
 * from), else the previous commit, when it has contracts.
 */
function checkBreaking() {
  const against = process.env.HERMES_BREAKING_AGAINST || "HEAD~1";
  const previous = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${against}:proto`], {
    cwd: root,
  });
  if (previous.status !== 0) {
    process.stdout.write(`\n▶ buf breaking: skipped (${against} has no contracts)\n`);
    return;
  }
  // buf clones the ref, which needs a full commit id, not HEAD~1 or a short id.
  const commit = spawnSync("git", ["rev-parse", `${against}^{commit}`], {
    cwd: root,
    encoding: "utf8",
  }).stdout.trim();
  step(`buf breaking against ${against}`, bin("buf"), [
    "breaking",
    "--against",
    `.git#ref=${commit}`,
  ]);
}

/**
 * Tests that need NATS JetStream start their own nats-server (a free port, a
 * temporary store). Installs Debian's package when it is missing and this
 * runs as root, as CI does; otherwise says how.
 */
function ensureNatsServer() {
  const found = ["nats-server", "/usr/sbin/nats-server"].some(
    (binary) => spawnSync(binary, ["--version"]).status === 0,
  );
  if (!found) ensureDebianPackage("nats-server");
}

/**
 * The SMPP server's tests use a second ESME Hermes did not write: Perl's
 * Net::SMPP, from Debian's libnet-smpp-perl; installed the same way.
 */
function ensureNetSmpp() {
  if (spawnSync("perl", ["-MNet::SMPP", "-e", "1"]).status !== 0)
    ensureDebianPackage("libnet-smpp-perl");
}

function ensureDebianPackage(name) {
  if (process.getuid?.() !== 0) {
    process.stdout.write(`\n✖ ${name} is missing: run \`apt-get install -y ${name}\` as root\n`);
    process.exit(1);
  }
  step(`install ${name}`, "sh", ["-c", `apt-get update && apt-get install -y ${name}`]);
}

/**
 * The console's tests drive Debian's chromium through playwright-core (no
 * downloaded browser builds). Installs it when missing and this runs as
 * root, as CI does; otherwise says how.
 */
function ensureChromium() {
  const path = process.env.HERMES_CHROMIUM ?? "/usr/bin/chromium";
  if (spawnSync(path, ["--version"]).status === 0) return;
  if (process.getuid?.() !== 0) {
    process.stdout.write("\n✖ chromium is missing: run `apt-get install -y chromium` as root\n");
    process.exit(1);
  }
  step("install chromium", "sh", ["-c", "apt-get update && apt-get install -y chromium"]);
}

function testFiles() {
  const roots = ["runtime/src", "sdk", "cli/src", "cli/test", "test"];
  const files = [];
  for (const dir of roots) {
    for (const f of listFiles(join(root, dir))) {
      const path = join(dir, f);
      if (/node_modules|[/\\]fixtures[/\\]|[/\\]bench[/\\]/.test(path)) continue;
      if (/\.test\.ts$/.test(path)) files.push(path);
    }
  }
  return only.length > 0 ? files.filter((f) => only.some((o) => f.includes(o))) : files;
}

if (only.length === 0) {
  checkGeneratedInSync();
  step("buf lint", bin("buf"), ["lint"]);
  checkBreaking();
  step("type-check", bin("tsc"), ["-p", "tsconfig.json"]);
  step("type-check the console", bin("tsc"), ["-p", "console/tsconfig.json"]);
  step("biome check", bin("biome"), ["check", "."]);
}
const files = testFiles();
ensureNatsServer();
if (files.some((f) => f.includes(`test${sep}console${sep}`))) ensureChromium();
// What the gateway serves at /console is built from the sources as they are now.
step("build the console", process.execPath, [join(root, "console", "build.mjs")]);
ensureNetSmpp();
process.stdout.write(`\n▶ ${files.length} test files\n`);
step(
  "tests",
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-reporter=spec",
    "--test-concurrency=3",
    "--test-timeout=240000",
    ...files,
  ],
  { env: { ...process.env, HERMES_LOG_LEVEL: process.env.HERMES_LOG_LEVEL ?? "silent" } },
);

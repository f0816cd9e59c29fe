// Builds plugin templates for the tests: each template compiles once per
// content (cached under node_modules/.cache/hermes-test, shared by every test
// file and run), then every build is signed with a fresh Ed25519 key and
// checked, as a publisher would ship it.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { devPluginFile, devPluginPath, templatesDir } from "@hermes/runtime/dev";
import { generateKeyPair, sign, verify, type PublicKey } from "@hermes/runtime/plugin-registry";
import type { ConformanceFixtures } from "@hermes/runtime/conformance";

const root = fileURLToPath(new URL("../../../", import.meta.url));
/**
 * -O2 rather than the shipping -O3: on a 2-core machine -O3 costs ~12 s per
 * template against ~3 s, and optimisation does not change what the plugin does.
 */
const testOptimizeLevel = 2;
/** Builds are keyed by their sources; the level names the directory, so changing it rebuilds. */
const cacheDir = join(
  root,
  "node_modules",
  ".cache",
  "hermes-test",
  `templates-O${testOptimizeLevel}`,
);

export interface BuiltTemplate {
  /** The signed module. */
  readonly wasm: Uint8Array;
  /** The signed module on disk, for a route's `file`. */
  readonly file: string;
  readonly publicKey: PublicKey;
  /** Removes the signed file's directory. */
  cleanup(): void;
}

const lockDir = join(cacheDir, "build.lock");
/** A lock older than this belongs to a process that died while building. */
const staleLockMs = 5 * 60_000;

/**
 * The compiled template. On a cache miss one test process takes the build
 * lock and builds every template whose cache entry is missing, so the
 * compiler (seconds to load) loads once per run and builds do not fight for
 * the CPU; the other processes wait for their file to appear.
 */
async function compiled(name: string): Promise<Uint8Array> {
  for (;;) {
    const cached = devPluginPath(name, cacheDir);
    if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
    if (takeLock()) {
      try {
        await buildIntoCache(name);
        // Another template that does not compile is its own test's failure to report, not this
        // one's.
        for (const other of templateNames().filter(
          (t) => t !== name && !existsSync(devPluginPath(t, cacheDir)),
        ))
          await buildIntoCache(other).catch(() => {});
      } finally {
        rmSync(lockDir, { recursive: true, force: true });
      }
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function takeLock(): boolean {
  mkdirSync(cacheDir, { recursive: true });
  try {
    mkdirSync(lockDir);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(lockDir).mtimeMs > staleLockMs)
        rmSync(lockDir, { recursive: true, force: true });
    } catch {
      // released meanwhile
    }
    return false;
  }
}

async function buildIntoCache(name: string): Promise<void> {
  await devPluginFile(
    name,
    async (entry) => {
      // The compiler takes seconds to load: only on a cache miss.
      const { buildPlugin } = await import("@hermes/sdk/build");
      return (await buildPlugin({ entry, optimizeLevel: testOptimizeLevel })).wasm;
    },
    cacheDir,
  );
}

/** Every template folder (one with a plugin.ts). */
export function templateNames(): string[] {
  return readdirSync(templatesDir)
    .filter((name) => existsSync(join(templatesDir, name, "plugin.ts")))
    .sort();
}

/**
 * Builds (or takes from the cache) plugin-templates/<name>, signs it and verifies the signature.
 */
export async function buildTemplate(name: string): Promise<BuiltTemplate> {
  const { publicKey, secretKey } = generateKeyPair();
  const wasm = sign(await compiled(name), secretKey);
  verify(wasm, [publicKey]);
  const dir = mkdtempSync(join(tmpdir(), `hermes-template-${name}-`));
  const file = join(dir, `${name}.wasm`);
  writeFileSync(file, wasm);
  return { wasm, file, publicKey, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** plugin-templates/<name>/test/fixtures.json. */
export function templateFixtures(name: string): ConformanceFixtures {
  return JSON.parse(
    readFileSync(join(templatesDir, name, "test", "fixtures.json"), "utf8"),
  ) as ConformanceFixtures;
}

// A real browser for the console's tests: Debian's chromium (test/run.mjs
// installs it when missing), driven by playwright-core. No browser build is
// ever downloaded.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";

export const chromiumPath = process.env.HERMES_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Headless Chromium with a fresh profile (playwright-core gives every launch
 * its own --user-data-dir), kept off the network: without the background
 * flags Chromium calls Google's hosts, which this network refuses.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    chromiumSandbox: false,
    args: [
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 60_000,
  });
}

/** Where a test's screenshots go: test-artifacts/<name>/ in the repository (or HERMES_ARTIFACTS). */
export function artifactDir(name: string): string {
  const root =
    process.env.HERMES_ARTIFACTS ?? fileURLToPath(new URL("../../test-artifacts", import.meta.url));
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

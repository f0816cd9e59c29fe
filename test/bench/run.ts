// `npm run bench -- <suite>`: runs test/bench/<suite>.ts, whose default export
// measures our code and a reference side by side in one run and returns its
// metrics. The last stdout line is one JSON object: {"suite", "metrics"};
// every side-by-side comparison is a metric named *_ratio (ours / reference,
// higher is better).
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

export type BenchSuite = () => Promise<Record<string, number>>;

const here = fileURLToPath(new URL(".", import.meta.url));
const suites = readdirSync(here)
  .filter(
    (f) => f.endsWith(".ts") && !f.startsWith("run") && !f.includes(".test.") && !f.startsWith("_"),
  )
  .map((f) => f.replace(/\.ts$/, ""));

const name = process.argv[2];
if (!name || !suites.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <suite>\nsuites: ${suites.join(", ")}\n`);
  process.exit(2);
}
const suite = (await import(pathToFileURL(`${here}${name}.ts`).href)) as { default: BenchSuite };
const metrics = await suite.default();
const rounded = Object.fromEntries(
  Object.entries(metrics).map(([k, v]) => [k, Math.round(v * 1000) / 1000]),
);
process.stdout.write(`${JSON.stringify({ suite: name, metrics: rounded })}\n`);
process.exit(0);

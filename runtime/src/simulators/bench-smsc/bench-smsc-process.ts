import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BenchSmscCounters, BenchSmscOptions } from "./bench-smsc.js";

/**
 * The benchmark SMSC's counters and its process's own CPU time (µs, as process.cpuUsage gives it).
 */
export interface BenchSmscStats extends BenchSmscCounters {
  readonly cpu: NodeJS.CpuUsage;
}

export interface BenchSmscProcess {
  readonly port: number;
  stats(): Promise<BenchSmscStats>;
  close(): Promise<void>;
}

/**
 * Starts the benchmark SMSC (BenchSmsc) in a child process on a loopback
 * port (a free one unless `port` names one), so that what it costs is not counted against the
 * process
 * that measures, and it does not compete for that process's thread.
 */
export async function startBenchSmsc(
  options: Partial<BenchSmscOptions> & { readonly port?: number } = {},
): Promise<BenchSmscProcess> {
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  const args = ["--port", String(options.port ?? 0)];
  if (options.ids) args.push("--ids", options.ids);
  if (options.receipts) args.push("--receipts", options.receipts);
  // The runtime is TypeScript: the child runs it under tsx, as `npm start` does.
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), main, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = once(child, "exit");
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      void exited.then(([code]) => reject(new Error(`the benchmark SMSC exited (${code})`)));
    });
  const { port } = JSON.parse(await nextLine()) as { port: number };
  return {
    port,
    async stats() {
      const answer = nextLine();
      child.stdin.write("stats\n");
      return JSON.parse(await answer) as BenchSmscStats;
    },
    async close() {
      if (child.exitCode !== null) return;
      child.stdin.end("close\n");
      await exited;
    },
  };
}

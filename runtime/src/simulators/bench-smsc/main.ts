// The benchmark SMSC as a process of its own, so that process.cpuUsage()
// is its CPU alone:
//
//   node --import tsx runtime/src/simulators/bench-smsc/main.ts \
//     [--port 2775] [--host 127.0.0.1] [--ids hex|decimal] [--receipts text|tlv|both]
//
// (or BENCH_SMSC_PORT). Once listening it prints one JSON line, {"port":N}.
// Then each line "stats" on stdin is answered with one JSON line of
// BenchSmscStats; "close", or the end of stdin, stops it.
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { BenchSmsc, type BenchSmscOptions } from "./bench-smsc.js";
import type { BenchSmscStats } from "./bench-smsc-process.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.BENCH_SMSC_PORT ?? "0" },
    host: { type: "string", default: "127.0.0.1" },
    ids: { type: "string", default: "hex" },
    receipts: { type: "string", default: "text" },
  },
});
if (
  !["hex", "decimal"].includes(values.ids) ||
  !["text", "tlv", "both"].includes(values.receipts)
) {
  process.stderr.write(
    "usage: main.ts [--port N] [--host H] [--ids hex|decimal] [--receipts text|tlv|both]\n",
  );
  process.exit(2);
}

const smsc = new BenchSmsc({
  ids: values.ids as BenchSmscOptions["ids"],
  receipts: values.receipts as BenchSmscOptions["receipts"],
});
const port = await smsc.listen(Number(values.port), values.host);
process.stdout.write(`${JSON.stringify({ port })}\n`);

const stop = async () => {
  await smsc.close();
  process.exit(0);
};
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const command = line.trim();
  if (command === "stats") {
    const stats: BenchSmscStats = { ...smsc.counters, cpu: process.cpuUsage() };
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  } else if (command === "close") void stop();
});
lines.on("close", () => void stop());

// What the benchmarks that run the gateway as a process share: a config file
// in a scratch directory with the gateway's durable defaults, a Connect
// client for it, and a free loopback port for an SMSC that starts later.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { MessageService } from "@hermes/runtime/contracts";

/** The API key every benchmark config grants; `benchClient` sends it. */
export const benchKey = "bench-key";

export interface BenchConfig {
  readonly dir: string;
  readonly configPath: string;
  /** Deletes the scratch directory, database included. */
  remove(): void;
}

/**
 * Writes a gateway config into a new scratch directory: loopback on any
 * port, the store in that directory with `npm start`'s durability
 * (synchronous FULL, an fsync per group commit) and error-level logs; the
 * benchmark's own fields (routes, keys, limits) override these.
 */
export function writeBenchConfig(name: string, config: Record<string, unknown>): BenchConfig {
  const dir = mkdtempSync(join(tmpdir(), `hermes-bench-${name}-`));
  const configPath = join(dir, "hermes.config.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      server: { host: "127.0.0.1", port: 0 },
      store: { path: join(dir, "hermes.db"), synchronous: "FULL" },
      logLevel: "error",
      ...config,
    }),
  );
  return { dir, configPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A Connect (HTTP/2) MessageService client of a benchmark's gateway process. */
export function benchClient(baseUrl: string) {
  return createClient(
    MessageService,
    createConnectTransport({
      baseUrl,
      httpVersion: "2",
      interceptors: [
        (next) => (req) => {
          req.header.set("authorization", `Bearer ${benchKey}`);
          return next(req);
        },
      ],
    }),
  );
}

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

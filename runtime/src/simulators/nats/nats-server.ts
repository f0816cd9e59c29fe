import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where nats-server is: on the PATH, or where Debian's package puts it. */
export function natsServerBinary(): string | undefined {
  for (const candidate of [process.env.NATS_SERVER, "nats-server", "/usr/sbin/nats-server"]) {
    if (!candidate) continue;
    if (candidate.startsWith("/") && !existsSync(candidate)) continue;
    if (spawnSync(candidate, ["--version"]).status === 0) return candidate;
  }
  return undefined;
}

/**
 * A real nats-server with JetStream, for development and tests: on a free
 * loopback port, with its store in a temporary folder that `stop()` removes.
 * `kill()` and `restart()` are for failure tests: the same port and the
 * same store come back, as after a crash.
 */
export class NatsServer {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly binary: string,
    readonly port: number,
    readonly storeDir: string,
  ) {}

  /** Starts one; fails with how to install nats-server when it is missing. */
  static async start(): Promise<NatsServer> {
    const binary = natsServerBinary();
    if (!binary)
      throw new Error(
        "nats-server is not installed: `apt-get install -y nats-server` (or set NATS_SERVER to its path)",
      );
    const server = new NatsServer(
      binary,
      await freePort(),
      mkdtempSync(join(tmpdir(), "hermes-nats-")),
    );
    await server.#run();
    return server;
  }

  /** The server process's id (for its CPU time in benchmarks). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async #run(): Promise<void> {
    const child = spawn(
      this.binary,
      ["-js", "-a", "127.0.0.1", "-p", String(this.port), "-sd", this.storeDir],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Server is ready")) {
          child.stderr!.off("data", onData);
          child.stderr!.resume();
          resolve();
        }
      };
      child.stderr!.on("data", onData);
      child.once("exit", (code) =>
        reject(new Error(`nats-server exited with ${code} before it was ready:\n${output}`)),
      );
    });
  }

  /** Ends the server at once (SIGKILL), as a crash does; its store stays. */
  async kill(): Promise<void> {
    this.#child?.kill("SIGKILL");
    await this.#exited;
  }

  /** Starts it again on the same port and store. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#run();
  }

  /** Stops it and removes its store. */
  async stop(): Promise<void> {
    this.#child?.kill("SIGTERM");
    await this.#exited;
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

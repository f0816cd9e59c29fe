import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../../runtime/src/main.ts", import.meta.url));

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** What it printed lately (the last 256 KiB), for a failure to show. */
  output(): string;
}

/**
 * Runs the gateway as `npm start` does, in a child process, with a config
 * file; resolves once it prints the URL it listens on.
 */
export async function spawnGateway(
  configPath: string,
  env: NodeJS.ProcessEnv = {},
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    env: { ...process.env, HERMES_CONFIG: configPath, HERMES_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  let output = "";
  // Read for as long as it runs: a full pipe would block the gateway's logging.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-256 * 1024);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout!.off("data", onData);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((code) =>
      reject(new Error(`gateway exited with ${code} before listening:\n${output}`)),
    );
  });
  return { child, url, exited, output: () => output };
}

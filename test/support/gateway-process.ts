import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../../runtime/src/main.ts", import.meta.url));

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
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
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout!.off("data", onData);
        resolve(match[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) =>
      reject(new Error(`gateway exited with ${code} before listening:\n${output}`)),
    );
  });
  return { child, url, exited };
}

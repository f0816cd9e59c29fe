import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { run } from "@oclif/core";

/** The cli/ package root, where oclif finds package.json and the manifest. */
export const cliRoot = fileURLToPath(new URL("../..", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/run.js", import.meta.url));

// Tests never read the profile file of whoever runs them.
process.env.HERMES_CLI_CONFIG = fileURLToPath(
  new URL("./no-such-profile-file.json", import.meta.url),
);
for (const name of ["HERMES_URL", "HERMES_TOKEN", "HERMES_PROFILE"]) delete process.env[name];

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  readonly error?: Error;
}

/**
 * Runs `hermes <args>` in this process, as oclif's bin would (the manifest,
 * flag parsing, the command, error handling), capturing its output and exit
 * code. Arguments are passed as an array, so values may contain spaces.
 *
 * Output is captured like @oclif/test's captureOutput, except that binary
 * writes pass through: node:test's child processes report to the runner over
 * stdout in binary, and swallowing those loses test results.
 */
export async function hermes(...args: string[]): Promise<CliResult> {
  const stdout = capture(process.stdout);
  const stderr = capture(process.stderr);
  let error: Error | undefined;
  try {
    await run(args, cliRoot);
  } catch (reason) {
    error = reason as Error;
  } finally {
    stdout.restore();
    stderr.restore();
  }
  const exitCode = error ? ((error as { oclif?: { exit?: number } }).oclif?.exit ?? 1) : 0;
  // Failures that escape the command are printed by oclif's handler, which a test does not run.
  const shownError =
    error && exitCode !== 0 && (error as { code?: string }).code !== "EEXIT"
      ? [error.message, ...((error as { suggestions?: string[] }).suggestions ?? [])].join("\n")
      : "";
  return {
    stdout: strip(stdout.text()),
    stderr: strip(stderr.text() + shownError),
    exitCode,
    error,
  };
}

function capture(stream: NodeJS.WriteStream): { text(): string; restore(): void } {
  const original = stream.write;
  const chunks: string[] = [];
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk !== "string")
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    chunks.push(chunk);
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  } as typeof stream.write;
  return {
    text: () => chunks.join(""),
    restore: () => {
      stream.write = original;
    },
  };
}

function strip(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour codes this strips.
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** A `hermes` child process whose output can be awaited as it arrives. */
export interface RunningHermes {
  readonly child: ChildProcess;
  /** Resolves with the first match of pattern in the stream's output so far or to come. */
  waitFor(
    stream: "stdout" | "stderr",
    pattern: RegExp,
    timeoutMs?: number,
  ): Promise<RegExpMatchArray>;
  /** Resolves when the process exits. */
  readonly exited: Promise<CliResult>;
}

/**
 * Starts the real executable (bin/run.js) in a child process: real stdout, stderr, signals and exit
 * code.
 */
export function startHermes(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): RunningHermes {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  const listeners = new Set<() => void>();
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream].on("data", (chunk: Buffer) => {
      output[stream] += chunk.toString();
      for (const listener of listeners) listener();
    });
  }
  child.stdin.end(options.input ?? "");
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ stdout: output.stdout, stderr: output.stderr, exitCode: code ?? 1 }),
    );
  });
  return {
    child,
    exited,
    waitFor(stream, pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output[stream]);
          if (!match) return false;
          done();
          resolve(match);
          return true;
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `hermes ${args.join(" ")}: no ${pattern} on ${stream} in ${timeoutMs} ms\nstdout: ${output.stdout}\nstderr: ${output.stderr}`,
            ),
          );
        }, timeoutMs);
        const onExit = () => {
          if (check()) return;
          done();
          reject(
            new Error(
              `hermes ${args.join(" ")} exited before printing ${pattern}\nstdout: ${output.stdout}\nstderr: ${output.stderr}`,
            ),
          );
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(listener);
          child.off("close", onExit);
        };
        const listener = () => void check();
        if (check()) return;
        listeners.add(listener);
        child.once("close", onExit);
      });
    },
  };
}

/** Runs the real executable to completion; fails the test if it takes longer than timeoutMs. */
export async function spawnHermes(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const running = startHermes(args, options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      running.child.kill("SIGKILL");
      reject(new Error(`hermes ${args.join(" ")} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([running.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Compiles an AssemblyScript plugin in-process with the asc API: no
// subprocess, and builds run one after another on the one compiler.
import asc from "assemblyscript/asc";
import { relative, resolve } from "node:path";

export interface CompileOptions {
  /** The plugin's entry file (it calls `register` and re-exports "@hermes/sdk/exports"). */
  entry: string;
  /** Binaryen optimisation level, 0-3 (default 3: plugins run hot, builds are rare). */
  optimizeLevel?: number;
  /** Extra asc arguments, e.g. ["--debug"]. */
  ascArgs?: string[];
  /** False compiles plain AssemblyScript without the SDK's flags (benchmark references). */
  sdkFlags?: boolean;
}

/** The asc flags every SDK plugin is built with (docs/plugin-sdk.md explains the choices). */
export const sdkAscFlags = [
  // TLSF allocator plus a collector that runs only when asked: the SDK's
  // exports collect once per call, after the output is written, so a call
  // never pauses for GC and needs no shadow stack, and memory stays flat.
  "--runtime",
  "minimal",
  // A throw or failed assertion writes its message as the call's output, then traps.
  "--use",
  "abort=~lib/@hermes/sdk/assembly/abi/io/hermesAbort",
];

let queue: Promise<unknown> = Promise.resolve();

/** Compiles `entry` to a .wasm binary; throws with asc's diagnostics on failure. */
export function compile(options: CompileOptions): Promise<Uint8Array> {
  const run = queue.then(() => compileNow(options));
  queue = run.catch(() => undefined);
  return run;
}

async function compileNow(options: CompileOptions): Promise<Uint8Array> {
  const baseDir = process.cwd();
  let binary: Uint8Array | undefined;
  const stderr: string[] = [];
  const result = await asc.main(
    [
      relative(baseDir, resolve(options.entry)),
      "--outFile",
      "plugin.wasm",
      "--optimizeLevel",
      String(options.optimizeLevel ?? 3),
      "--shrinkLevel",
      "0",
      ...(options.sdkFlags === false ? [] : sdkAscFlags),
      ...(options.ascArgs ?? []),
    ],
    {
      stdout: { write: () => true } as never,
      stderr: {
        write: (chunk: string | Uint8Array) => {
          stderr.push(String(chunk));
          return true;
        },
      } as never,
      writeFile: (name: string, contents: Uint8Array | string) => {
        if (name === "plugin.wasm" && typeof contents !== "string") binary = contents;
      },
    },
  );
  if (result.error || !binary) {
    throw new Error(
      `asc could not compile ${options.entry}:\n${stderr.join("").trim() || result.error?.message}`,
    );
  }
  return binary;
}

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";

/** One named set of connection settings in the profile file. */
export interface Profile {
  readonly server?: string;
  readonly token?: string;
  readonly http1?: boolean;
}

export interface ProfileFile {
  /** Used when neither --profile nor HERMES_PROFILE names one. */
  readonly defaultProfile?: string;
  readonly profiles: Readonly<Record<string, Profile>>;
}

/**
 * `HERMES_CLI_CONFIG`, else `$XDG_CONFIG_HOME/hermes/config.json`, else
 * `~/.config/hermes/config.json`.
 */
export function profileFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HERMES_CLI_CONFIG) return env.HERMES_CLI_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "hermes", "config.json");
}

/** Reads and checks the profile file; a missing file is an empty one. */
export function readProfileFile(path: string): ProfileFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return { profiles: {} };
    throw new Failure(
      ExitCode.Usage,
      `cannot read the profile file ${path}: ${(cause as Error).message}`,
      { reason: "bad_profile_file" },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw bad(path, `not valid JSON (${(cause as Error).message})`);
  }
  if (!isObject(raw)) throw bad(path, 'expected an object with "profiles"');
  const profiles: Record<string, Profile> = {};
  const rawProfiles = raw.profiles ?? {};
  if (!isObject(rawProfiles)) throw bad(path, '"profiles" must be an object of named profiles');
  for (const [name, value] of Object.entries(rawProfiles)) {
    if (!isObject(value)) throw bad(path, `profiles.${name} must be an object`);
    for (const key of ["server", "token"] as const) {
      if (value[key] !== undefined && typeof value[key] !== "string")
        throw bad(path, `profiles.${name}.${key} must be a string`);
    }
    if (value.http1 !== undefined && typeof value.http1 !== "boolean")
      throw bad(path, `profiles.${name}.http1 must be true or false`);
    profiles[name] = {
      server: value.server as string | undefined,
      token: value.token as string | undefined,
      http1: value.http1 as boolean | undefined,
    };
  }
  if (raw.defaultProfile !== undefined && typeof raw.defaultProfile !== "string")
    throw bad(path, "defaultProfile must be a string");
  return { defaultProfile: raw.defaultProfile as string | undefined, profiles };
}

function bad(path: string, why: string): Failure {
  return new Failure(ExitCode.Usage, `the profile file ${path} is invalid: ${why}`, {
    reason: "bad_profile_file",
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

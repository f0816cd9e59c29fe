import { devApiKey } from "@hermes/runtime/dev";
import { ExitCode } from "../errors/exit-codes.js";
import { Failure } from "../errors/failure.js";
import { profileFilePath, readProfileFile, type Profile } from "./profiles.js";

/** Where `hermes dev` and `npm start` listen. */
export const defaultServer = "http://127.0.0.1:8080";
/** The key a development gateway accepts. */
export const devToken = devApiKey;

/** How to reach the gateway, and where each setting came from (for error messages). */
export interface ConnectionSettings {
  readonly server: string;
  readonly token: string | undefined;
  readonly http1: boolean;
  readonly serverSource: string;
  readonly tokenSource: string | undefined;
  /** The profile in use, if any. */
  readonly profile: string | undefined;
}

export interface ConnectionInputs {
  readonly flags: {
    readonly server?: string;
    readonly token?: string;
    readonly profile?: string;
    readonly http1?: boolean;
  };
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Resolves the connection. Precedence, per setting: --server/--token flags,
 * then a profile named explicitly (--profile or HERMES_PROFILE), then
 * HERMES_URL/HERMES_TOKEN, then the file's defaultProfile, then the dev
 * defaults. The dev token is only ever sent to a loopback gateway, so a
 * forgotten token against a real gateway fails with a clear auth error.
 */
export function resolveConnection({ flags, env }: ConnectionInputs): ConnectionSettings {
  const explicitName = flags.profile ?? (env.HERMES_PROFILE || undefined);
  const path = profileFilePath(env);
  const file = readProfileFile(path);
  let explicit: Profile | undefined;
  if (explicitName !== undefined) {
    explicit = file.profiles[explicitName];
    if (!explicit) {
      const known = Object.keys(file.profiles);
      throw new Failure(ExitCode.Usage, `no profile "${explicitName}" in ${path}`, {
        reason: "unknown_profile",
        hints: [
          known.length
            ? `known profiles: ${known.join(", ")}`
            : `create it: {"profiles": {"${explicitName}": {"server": "https://…", "token": "…"}}}`,
        ],
      });
    }
  }
  const fallbackName = explicitName === undefined ? file.defaultProfile : undefined;
  const fallback = fallbackName !== undefined ? file.profiles[fallbackName] : undefined;
  if (fallbackName !== undefined && !fallback) {
    throw new Failure(ExitCode.Usage, `defaultProfile "${fallbackName}" is not in ${path}`, {
      reason: "unknown_profile",
    });
  }

  const pick = <K extends keyof Profile>(
    key: K,
    flag: Profile[K],
    envValue: Profile[K],
    envName: string,
  ): [Profile[K], string] | undefined => {
    if (flag !== undefined) return [flag, `--${key}`];
    if (explicit?.[key] !== undefined) return [explicit[key], `profile ${explicitName}`];
    if (envValue !== undefined) return [envValue, envName];
    if (fallback?.[key] !== undefined) return [fallback[key], `profile ${fallbackName}`];
    return undefined;
  };

  const [rawServer, serverSource] = pick(
    "server",
    flags.server,
    env.HERMES_URL || undefined,
    "HERMES_URL",
  ) ?? [defaultServer, "default"];
  const server = normalizeServer(rawServer!, serverSource);
  const http1 = flags.http1 === true || (explicit ?? fallback)?.http1 === true;
  let token = pick("token", flags.token, env.HERMES_TOKEN || undefined, "HERMES_TOKEN");
  if (!token && isLoopback(server)) token = [devToken, "the dev default (loopback only)"];
  return {
    server,
    token: token?.[0],
    tokenSource: token?.[1],
    http1,
    serverSource,
    profile: explicitName ?? fallbackName,
  };
}

function normalizeServer(raw: string, source: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Failure(ExitCode.Usage, `the server URL "${raw}" (from ${source}) is not a URL`, {
      reason: "bad_server_url",
      hints: ["use e.g. http://127.0.0.1:8080"],
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Failure(
      ExitCode.Usage,
      `the server URL "${raw}" (from ${source}) must be http:// or https://`,
      { reason: "bad_server_url" },
    );
  }
  return url.href.replace(/\/$/, "");
}

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopback(server: string): boolean {
  const host = new URL(server).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

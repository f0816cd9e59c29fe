/**
 * The exit codes of every `hermes` command. They are API: scripts branch on
 * them, so a code keeps its meaning forever and new ones are only appended.
 * docs/cli.md documents the same table.
 */
export enum ExitCode {
  /** The command did what it was asked. */
  Ok = 0,
  /** An unexpected failure (a bug, an internal gateway error); tests that fail. */
  Error = 1,
  /** Bad flags, arguments or input files: fix the command line. */
  Usage = 2,
  /** The gateway could not be reached or is overloaded: retrying later may help. */
  Unavailable = 3,
  /** The token is missing, unknown, or lacks the scope the call needs. */
  Auth = 4,
  /** The gateway refused the request as invalid (the field at fault is named). */
  Rejected = 5,
  /** The message, plugin or version does not exist. */
  NotFound = 6,
  /** The gateway does not implement the call (an older gateway build). */
  Unsupported = 7,
  /** `send`: the message ended FAILED, EXPIRED or REJECTED (at once, or with --wait). */
  Undelivered = 8,
  /** `health`: a route is DEGRADED or DOWN. */
  Unhealthy = 9,
  /** A plugin is unsigned, tampered, signed by no trusted key, or has no valid manifest. */
  PluginRejected = 10,
  /** A wait (`--wait`, `--timeout`) ran out of time. */
  Timeout = 11,
}

/** One line per code, for help texts and docs. */
export const exitCodeSummary: Readonly<Record<ExitCode, string>> = {
  [ExitCode.Ok]: "success",
  [ExitCode.Error]: "unexpected error (internal gateway error, failing plugin tests)",
  [ExitCode.Usage]: "bad flags, arguments or input files",
  [ExitCode.Unavailable]: "gateway unreachable or overloaded (retry later)",
  [ExitCode.Auth]: "missing or unknown token, or a scope is missing",
  [ExitCode.Rejected]: "the gateway refused the request as invalid",
  [ExitCode.NotFound]: "no such message, plugin or version",
  [ExitCode.Unsupported]: "the gateway does not implement this call",
  [ExitCode.Undelivered]: "send --wait: the message failed, expired or was rejected",
  [ExitCode.Unhealthy]: "health: a route is degraded or down",
  [ExitCode.PluginRejected]: "signature missing, invalid or untrusted",
  [ExitCode.Timeout]: "a wait ran out of time",
};

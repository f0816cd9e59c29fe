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

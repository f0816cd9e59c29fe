import { Errors } from "@oclif/core";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, ErrorSchema } from "@hermes/runtime/contracts";
import { HermesError } from "@hermes/runtime";
import { SignatureError } from "@hermes/runtime/plugin-registry";
import { ExitCode } from "./exit-codes.js";

export interface FailureOptions {
  /** Stable, lower-case reason for scripts (`unauthenticated`, `invalid_argument`…). */
  readonly reason?: string;
  /** What to do about it, one suggestion per entry. */
  readonly hints?: readonly string[];
  /** The request field at fault, when the gateway named one. */
  readonly field?: string;
  readonly cause?: unknown;
}

/**
 * A failure the CLI understands: a message that says what went wrong, an
 * exit code scripts can branch on, and hints that say what to do.
 */
export class Failure extends Errors.CLIError {
  readonly exitCode: ExitCode;
  readonly reason: string;
  readonly hints: readonly string[];
  readonly field: string | undefined;

  constructor(exitCode: ExitCode, message: string, options: FailureOptions = {}) {
    const reason = options.reason ?? snake(ExitCode[exitCode]);
    super(message, {
      exit: exitCode,
      code: reason,
      suggestions: options.hints ? [...options.hints] : undefined,
    });
    this.exitCode = exitCode;
    this.reason = reason;
    this.hints = options.hints ?? [];
    this.field = options.field;
    if (options.cause !== undefined) this.cause = options.cause;
  }

  /** The `--json` form, printed on stdout. */
  toJson(): {
    error: {
      exitCode: number;
      reason: string;
      message: string;
      field?: string;
      hints: readonly string[];
    };
  } {
    return {
      error: {
        exitCode: this.exitCode,
        reason: this.reason,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
        hints: this.hints,
      },
    };
  }
}

/** What the CLI knew when the failure happened, so messages can be specific. */
export interface FailureContext {
  /** The gateway URL the command talked to. */
  readonly server?: string;
  /**
   * Where the token came from ("--token", "HERMES_TOKEN", "profile prod", "dev default"); undefined
   * when none was sent.
   */
  readonly tokenSource?: string;
}

/** The RPC (e.g. `hermes.v1.PluginService/PublishPlugin`) that failed, attached by the client. */
export const rpcOf = Symbol("hermes.rpc");

const connectionHints = [
  "start a local gateway with `hermes dev` (or `hermes serve --config hermes.config.json`)",
  "point the CLI at yours with --server, HERMES_URL or a profile (--profile)",
];

const signatureHints = [
  "sign the plugin with `hermes plugin sign --key <secret key>` after its last change",
  "make the signer's public key trusted: `hermes keys trust <public key>` (gateway) or `--key <public key>` (plugin verify)",
];

const tokenHint =
  'pass --token <key>, set HERMES_TOKEN, or add "token" to a profile in ~/.config/hermes/config.json';

/**
 * Maps anything thrown into a CLIError with the right exit code: oclif's own
 * parse errors pass through (exit 2), ConnectErrors map by their code and the
 * contract's hermes.v1.Error detail, file system errors are usage errors.
 */
export function toFailure(reason: unknown, context: FailureContext = {}): Errors.CLIError {
  if (reason instanceof Errors.CLIError) return reason;
  if (reason instanceof ConnectError) return fromConnectError(reason, context);
  if (reason instanceof SignatureError) {
    return new Failure(ExitCode.PluginRejected, reason.message, {
      reason: reason.failure === "unknown_signer" ? "untrusted" : `signature_${reason.failure}`,
      hints: signatureHints,
      cause: reason,
    });
  }
  if (reason instanceof HermesError) return fromHermesError(reason);
  const fsCode = (reason as NodeJS.ErrnoException | undefined)?.code;
  if (
    typeof fsCode === "string" &&
    ["ENOENT", "EACCES", "EISDIR", "ENOTDIR", "EPERM"].includes(fsCode)
  ) {
    const path = (reason as NodeJS.ErrnoException).path ?? "";
    return new Failure(ExitCode.Usage, `cannot read or write ${path}: ${fsCode}`, {
      reason: "file_error",
      cause: reason,
    });
  }
  const message = reason instanceof Error ? reason.message : String(reason);
  return new Failure(ExitCode.Error, message, { reason: "internal", cause: reason });
}

function fromConnectError(error: ConnectError, context: FailureContext): Failure {
  const server = context.server ?? "the gateway";
  const rpc = (error as unknown as Record<symbol, string | undefined>)[rpcOf];
  const detail = error.findDetails(ErrorSchema)[0];
  const field = detail?.field || undefined;
  const message =
    field && !error.rawMessage.includes(field) ? `${field}: ${error.rawMessage}` : error.rawMessage;
  const cause = error;
  switch (detail?.code) {
    case ErrorCode.PLUGIN_REJECTED:
    case ErrorCode.PLUGIN_SIGNATURE_INVALID:
    case ErrorCode.PLUGIN_UNTRUSTED:
      return new Failure(ExitCode.PluginRejected, message, {
        reason: ErrorCode[detail.code].toLowerCase(),
        hints: signatureHints,
        cause,
      });
    case ErrorCode.NOT_FOUND:
      return new Failure(ExitCode.NotFound, message, { reason: "not_found", cause });
  }
  switch (error.code) {
    case Code.Unavailable:
      if (isConnectionFailure(error)) {
        return new Failure(
          ExitCode.Unavailable,
          `no gateway answered at ${server} (${error.rawMessage})`,
          { reason: "unreachable", hints: connectionHints, cause },
        );
      }
      return new Failure(ExitCode.Unavailable, `${server} is unavailable: ${message}`, {
        reason: "unavailable",
        hints: ["retry later"],
        cause,
      });
    case Code.ResourceExhausted:
      return new Failure(ExitCode.Unavailable, `${server} is throttling: ${message}`, {
        reason: "throttled",
        hints: ["retry later, more slowly"],
        cause,
      });
    case Code.Unauthenticated:
      return new Failure(
        ExitCode.Auth,
        context.tokenSource
          ? `${server} refused the token from ${context.tokenSource}: ${message}`
          : `${server} needs a token and none was given`,
        { reason: "unauthenticated", hints: [tokenHint], cause },
      );
    case Code.PermissionDenied:
      return new Failure(ExitCode.Auth, message, {
        reason: "permission_denied",
        hints: [
          "use a key with the scope this call needs: send (send), read (status, watch, plugin list, keys list) or admin (health, plugin publish/activate/rollback, keys trust)",
        ],
        cause,
      });
    case Code.InvalidArgument:
      return new Failure(ExitCode.Rejected, message, { reason: "invalid_argument", field, cause });
    case Code.NotFound:
      return new Failure(ExitCode.NotFound, message, { reason: "not_found", cause });
    case Code.Unimplemented:
      return new Failure(
        ExitCode.Unsupported,
        `${server} does not implement ${rpc ?? "this call"} yet (${error.rawMessage})`,
        {
          reason: "unimplemented",
          hints: ["upgrade the gateway to a build that has it, or point --server at one that does"],
          cause,
        },
      );
    case Code.DeadlineExceeded:
      return new Failure(ExitCode.Timeout, message, { reason: "timeout", cause });
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
    case Code.OutOfRange:
    case Code.Aborted:
      return new Failure(ExitCode.Rejected, message, {
        reason: detail ? ErrorCode[detail.code].toLowerCase() : snake(Code[error.code]),
        field,
        cause,
      });
    default:
      return new Failure(
        ExitCode.Error,
        `${server} failed: ${message} (${Code[error.code] ?? error.code})`,
        { reason: "internal", cause },
      );
  }
}

/** Errors raised in-process by runtime code the CLI runs (config loading, manifests). */
function fromHermesError(error: HermesError): Failure {
  const reason = ErrorCode[error.code].toLowerCase();
  const field = error.field || undefined;
  switch (error.code) {
    case ErrorCode.CONFIG_INVALID:
    case ErrorCode.INVALID_ARGUMENT:
      return new Failure(ExitCode.Usage, error.rawMessage, { reason, field, cause: error });
    case ErrorCode.PLUGIN_REJECTED:
    case ErrorCode.PLUGIN_SIGNATURE_INVALID:
    case ErrorCode.PLUGIN_UNTRUSTED:
      return new Failure(ExitCode.PluginRejected, error.rawMessage, { reason, cause: error });
    case ErrorCode.NOT_FOUND:
      return new Failure(ExitCode.NotFound, error.rawMessage, { reason, cause: error });
    default:
      return new Failure(ExitCode.Error, error.rawMessage, { reason, cause: error });
  }
}

/** `FailedPrecondition` → `failed_precondition`. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase());
}

/** True when the call never reached a gateway (refused, reset, unknown host). */
function isConnectionFailure(error: ConnectError): boolean {
  const codes = [
    "ECONNREFUSED",
    "ECONNRESET",
    "ENOTFOUND",
    "EHOSTUNREACH",
    "ETIMEDOUT",
    "EAI_AGAIN",
    "ERR_HTTP2_ERROR",
    "ERR_HTTP2_GOAWAY_SESSION",
  ];
  for (let cause: unknown = error.cause; cause; cause = (cause as { cause?: unknown }).cause) {
    if (codes.includes((cause as NodeJS.ErrnoException).code ?? "")) return true;
  }
  return codes.some((code) => error.rawMessage.includes(code));
}

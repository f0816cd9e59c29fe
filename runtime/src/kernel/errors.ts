import { ErrorCode, HermesError } from "../errors/hermes-error.js";
import { formatReason, type ExitReason } from "./process.js";

/** A call to a process that has exited, or that exited before replying (OTP's noproc/exit). */
export function exitedError(name: string, reason: ExitReason): HermesError {
  // Retryable: the supervisor restarts the process, so asking again may work.
  return new HermesError(ErrorCode.INTERNAL, `${name} exited (${formatReason(reason)})`, {
    retryable: true,
    cause: reason,
  });
}

/** A call that got no reply in time. */
export function callTimeoutError(name: string, timeoutMs: number): HermesError {
  return new HermesError(ErrorCode.TIMEOUT, `call to ${name} timed out after ${timeoutMs} ms`);
}

/** A call dropped from the bounded log class to make room. */
export function droppedError(name: string): HermesError {
  return new HermesError(ErrorCode.THROTTLED, `call to ${name} dropped: log mailbox full`);
}

/** A supervisor operation that does not apply (unknown child, running child, wrong strategy). */
export function supervisorError(supervisor: string, message: string): HermesError {
  return new HermesError(ErrorCode.INVALID_ARGUMENT, `supervisor ${supervisor}: ${message}`);
}

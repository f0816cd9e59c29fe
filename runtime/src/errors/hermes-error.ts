import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, ErrorSchema, type Error as ErrorDetail } from "../gen/hermes/v1/error_pb.js";

export { ErrorCode, type ErrorDetail };

/** Options that refine an error beyond its code and message. */
export interface ErrorOptions {
  readonly retryable?: boolean;
  readonly providerCode?: string;
  readonly field?: string;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** Codes whose failures may succeed when tried again later, unless told otherwise. */
const retryableByDefault = new Set<ErrorCode>([
  ErrorCode.PROVIDER_UNAVAILABLE,
  ErrorCode.THROTTLED,
  ErrorCode.TIMEOUT,
  ErrorCode.CONNECTION_LOST,
  ErrorCode.PLUGIN_FAILURE,
  ErrorCode.QUEUE_FULL,
  ErrorCode.STORE_UNAVAILABLE,
]);

/**
 * HermesError is the one error type of the runtime. It carries a code from
 * the contracts (hermes.v1.ErrorCode), so what fails inside the gateway is
 * what the API reports, and it converts to the wire form and to ConnectError.
 */
export class HermesError extends Error {
  override readonly name = "HermesError";
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly providerCode: string;
  readonly field: string;
  readonly retryAfterMs: number;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(`[${ErrorCode[code].toLowerCase()}] ${message}`, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? retryableByDefault.has(code);
    this.providerCode = options.providerCode ?? "";
    this.field = options.field ?? "";
    this.retryAfterMs = options.retryAfterMs ?? 0;
    this.rawMessage = message;
  }

  /** The message without the code prefix. */
  readonly rawMessage: string;

  /** Wraps anything thrown; errors that are not HermesErrors become INTERNAL. */
  static from(reason: unknown, fallback: ErrorCode = ErrorCode.INTERNAL): HermesError {
    if (reason instanceof HermesError) return reason;
    const message = reason instanceof Error ? reason.message : String(reason);
    return new HermesError(fallback, message, { cause: reason });
  }

  /** The contract's wire form, as stored on messages and events. */
  toDetail(): ErrorDetail {
    return create(ErrorSchema, {
      code: this.code,
      message: this.rawMessage,
      retryable: this.retryable,
      providerCode: this.providerCode,
      field: this.field,
      retryAfterMs: this.retryAfterMs,
    });
  }

  /** The RPC form: request-level failures map onto Connect's closed code set. */
  toConnectError(): ConnectError {
    return new ConnectError(this.rawMessage, connectCodeOf(this.code), undefined, undefined, this);
  }
}

/** Builds the wire form directly, for adapters that report without throwing. */
export function errorDetail(
  code: ErrorCode,
  message: string,
  options: ErrorOptions = {},
): ErrorDetail {
  return new HermesError(code, message, options).toDetail();
}

function connectCodeOf(code: ErrorCode): Code {
  switch (code) {
    case ErrorCode.INVALID_ARGUMENT:
    case ErrorCode.INVALID_RECIPIENT:
    case ErrorCode.CONFIG_INVALID:
      return Code.InvalidArgument;
    case ErrorCode.PLUGIN_REJECTED:
    case ErrorCode.NO_ROUTE:
      return Code.FailedPrecondition;
    case ErrorCode.PLUGIN_DENIED:
    case ErrorCode.PLUGIN_SIGNATURE_INVALID:
    case ErrorCode.PLUGIN_UNTRUSTED:
      return Code.PermissionDenied;
    case ErrorCode.NOT_FOUND:
      return Code.NotFound;
    case ErrorCode.ALREADY_EXISTS:
      return Code.AlreadyExists;
    case ErrorCode.THROTTLED:
    case ErrorCode.QUEUE_FULL:
      return Code.ResourceExhausted;
    case ErrorCode.TIMEOUT:
      return Code.DeadlineExceeded;
    case ErrorCode.PROVIDER_UNAVAILABLE:
    case ErrorCode.CONNECTION_LOST:
    case ErrorCode.STORE_UNAVAILABLE:
      return Code.Unavailable;
    default:
      return Code.Internal;
  }
}

import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorSchema } from "../../gen/hermes/v1/error_pb.js";
import { HermesError } from "../../errors/hermes-error.js";

/**
 * Turns a HermesError into the RPC error, with the contract's Error message
 * attached as a detail so clients get the code, field and retryable flag.
 */
export function toConnectError(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const error = HermesError.from(reason);
  const connectError = error.toConnectError();
  connectError.details.push({ desc: ErrorSchema, value: error.toDetail() });
  return connectError;
}

export function requirePrincipal<T>(value: T | undefined): T {
  if (value === undefined) throw new ConnectError("unauthenticated", Code.Unauthenticated);
  return value;
}

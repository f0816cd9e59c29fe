import { ErrorCode, errorDetail, type ErrorDetail } from "../../errors/hermes-error.js";
import { commandStatus } from "./connection.js";

/** How the driver treats a command_status other than ESME_ROK. */
export type StatusClass = "throttled" | "temporary" | "permanent";

// Worth the same PDU again shortly: system error, temporary application error.
const temporary = new Set([0x08, 0x64]);

// In hex as SMPP 3.4 lists them; a Map keeps the keys numbers.
const names = new Map<number, string>([
  [0x01, "ESME_RINVMSGLEN"],
  [0x02, "ESME_RINVCMDLEN"],
  [0x03, "ESME_RINVCMDID"],
  [0x04, "ESME_RINVBNDSTS"],
  [0x05, "ESME_RALYBND"],
  [0x08, "ESME_RSYSERR"],
  [0x0a, "ESME_RINVSRCADR"],
  [0x0b, "ESME_RINVDSTADR"],
  [0x0d, "ESME_RBINDFAIL"],
  [0x0e, "ESME_RINVPASWD"],
  [0x0f, "ESME_RINVSYSID"],
  [0x14, "ESME_RMSGQFUL"],
  [0x45, "ESME_RSUBMITFAIL"],
  [0x48, "ESME_RINVSRCTON"],
  [0x49, "ESME_RINVSRCNPI"],
  [0x50, "ESME_RINVDSTTON"],
  [0x51, "ESME_RINVDSTNPI"],
  [0x58, "ESME_RTHROTTLED"],
  [0x62, "ESME_RINVEXPIRY"],
  [0x64, "ESME_RX_T_APPN"],
  [0x65, "ESME_RX_P_APPN"],
  [0x66, "ESME_RX_R_APPN"],
  [0xff, "ESME_RUNKNOWNERR"],
]);

export function statusClass(status: number): StatusClass {
  if (status === commandStatus.throttled || status === commandStatus.messageQueueFull)
    return "throttled";
  return temporary.has(status) ? "temporary" : "permanent";
}

/** "0x0000000b": a command_status as error.provider_code carries it for a submit. */
function statusHex(status: number): string {
  return `0x${status.toString(16).padStart(8, "0")}`;
}

/** "0x0000000b ESME_RINVDSTADR": the SMSC's code as it goes into error.provider_code. */
export function statusText(status: number): string {
  const hex = statusHex(status);
  const name = names.get(status);
  return name ? `${hex} ${name}` : hex;
}

/**
 * The error a submit_sm answered with `status` fails its message with; a throttled one says to
 * retry after `throttlePauseMs`.
 */
export function submitError(status: number, throttlePauseMs: number): ErrorDetail {
  const providerCode = statusHex(status);
  const message = `SMSC answered submit_sm with ${statusText(status)}`;
  const cls = statusClass(status);
  if (cls === "throttled")
    return errorDetail(ErrorCode.THROTTLED, message, {
      providerCode,
      retryAfterMs: throttlePauseMs,
      retryable: true,
    });
  if (cls === "temporary")
    return errorDetail(ErrorCode.PROVIDER_UNAVAILABLE, message, { providerCode, retryable: true });
  const code = [0x0b, 0x50, 0x51].includes(status)
    ? ErrorCode.INVALID_RECIPIENT
    : ErrorCode.PROVIDER_REJECTED;
  return errorDetail(code, message, { providerCode, retryable: false });
}

/** Bind refusals that mean wrong credentials, not a carrier outage. */
export function isAuthFailure(status: number): boolean {
  return status === 0x0d || status === 0x0e || status === 0x0f;
}

import type { EventInit } from "../store/event-record.js";
import type { ProviderReport } from "./adapter.js";

/** The event a provider report records: on its message, or on its own. */
export function reportEvent(report: ProviderReport, detail = report.detail): EventInit {
  return {
    kind: report.kind,
    status: report.status,
    error: report.error,
    detail,
    time: report.time?.getTime(),
    providerMessageId: report.providerMessageId,
    from: report.from,
    to: report.to,
    text: report.text,
  };
}

import {
  SuppressionAction,
  type Suppression,
  type SuppressionChange,
} from "@hermes/runtime/contracts";
import { reasonName } from "../suppression/suppression-input.js";
import { channelName, isoTime } from "./names.js";
import { renderTable } from "./table.js";

/** A tenant's entries as a table: address, channel ("all" for every channel), reason, note, source, since. */
export function suppressionTable(entries: readonly Suppression[]): Promise<string> {
  return renderTable(
    entries.map((s) => ({
      address: s.address?.kind.value ?? "",
      channel: s.channel ? channelName(s.channel) : "all",
      reason: reasonName(s.reason),
      note: s.note,
      source: s.source,
      since: isoTime(s.createdAt),
    })),
    [
      { key: "address", name: "Address" },
      { key: "channel", name: "Channel" },
      { key: "reason", name: "Reason" },
      { key: "note", name: "Note" },
      { key: "source", name: "Source" },
      { key: "since", name: "Since" },
    ],
  );
}

/** The audit trail as a table, one change per row. */
export function changeTable(changes: readonly SuppressionChange[]): Promise<string> {
  return renderTable(
    changes.map((c) => ({
      sequence: String(c.sequence),
      time: isoTime(c.time),
      action: c.action === SuppressionAction.ADDED ? "added" : "removed",
      address: c.suppression?.address?.kind.value ?? "",
      channel: c.suppression?.channel ? channelName(c.suppression.channel) : "all",
      reason: c.suppression ? reasonName(c.suppression.reason) : "",
      actor: c.actor,
      note: c.note || c.suppression?.note || "",
    })),
    [
      { key: "sequence", name: "#" },
      { key: "time", name: "Time" },
      { key: "action", name: "Action" },
      { key: "address", name: "Address" },
      { key: "channel", name: "Channel" },
      { key: "reason", name: "Reason" },
      { key: "actor", name: "By" },
      { key: "note", name: "Note" },
    ],
  );
}

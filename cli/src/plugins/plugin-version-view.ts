import { renderTable } from "../output/table.js";
import { isoTime } from "../output/names.js";
import { kib } from "./artifact.js";
import type { PluginVersion } from "@hermes/runtime/contracts";

/** `twilio-sms@1.0.0 (active) sha256 … signed by …`. */
export function versionLine(plugin: PluginVersion): string {
  return `${plugin.name}@${plugin.version}${plugin.active ? " (active)" : ""}  ${kib(Number(plugin.sizeBytes))}  sha256 ${plugin.sha256.slice(0, 16)}…  signed by ${plugin.signedBy.join(", ") || "nobody"}`;
}

export function versionsTable(plugins: readonly PluginVersion[]): Promise<string> {
  return renderTable(
    plugins.map((p) => ({
      name: p.name,
      version: p.version,
      active: p.active ? "yes" : "",
      channels: p.channels.join(", "),
      size: kib(Number(p.sizeBytes)),
      signedBy: p.signedBy.join(", "),
      published: isoTime(p.publishedAt),
    })),
    [
      { key: "name", name: "Plugin" },
      { key: "version", name: "Version" },
      { key: "active", name: "Active" },
      { key: "channels", name: "Channels" },
      { key: "size", name: "Size" },
      { key: "signedBy", name: "Signed by" },
      { key: "published", name: "Published" },
    ],
  );
}

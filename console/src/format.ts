import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import type { Address } from "@hermes/runtime/contracts";

/** An enum value by its name without the enum's prefix: MessageStatus.DELIVERED → "DELIVERED". */
export function enumName(values: Readonly<Record<number, string>>, value: number): string {
  return values[value] ?? String(value);
}

export function time(timestamp: Timestamp | undefined): string {
  return timestamp ? timestampDate(timestamp).toISOString().replace("T", " ").slice(0, 23) : "";
}

export function address(value: Address | undefined): string {
  return value?.kind.value ?? "";
}

export function duration(seconds: bigint): string {
  const s = Number(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

export function bytes(size: bigint): string {
  const n = Number(size);
  return n >= 1024 * 1024
    ? `${(n / 1024 / 1024).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} B`;
}

/** The parts of a W3C Trace Context `traceparent` header (version 00). */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  /** Bit 0: the caller sampled (records) this trace. */
  readonly flags: number;
}

const header = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Reads a `traceparent` header as https://www.w3.org/TR/trace-context/ says:
 * undefined when it is malformed, has all-zero ids, or is version ff; a
 * later version is read by its first four fields.
 */
export function parseTraceparent(value: string | null | undefined): TraceParent | undefined {
  const match = value ? header.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as string[];
  if (version === "ff" || (version === "00" && rest)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, flags: Number.parseInt(flags!, 16) };
}

export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.flags & 0xff).toString(16).padStart(2, "0")}`;
}

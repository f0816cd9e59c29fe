/** Where a part of a concatenated MO message belongs. */
export interface Concatenation {
  readonly reference: number;
  readonly total: number;
  readonly seq: number;
}

/**
 * Reads the concatenation of an inbound deliver_sm: a UDH information
 * element 0x00 (8-bit reference) or 0x08 (16-bit), as npm `smpp` splits the
 * UDH into elements, or the SAR TLVs. Undefined for a single message or
 * numbering that makes no sense.
 */
export function concatenationOf(
  udh: unknown,
  sar: { ref?: unknown; total?: unknown; seq?: unknown },
): Concatenation | undefined {
  let found: Concatenation | undefined;
  if (Array.isArray(udh)) {
    for (const element of udh) {
      if (!Buffer.isBuffer(element) || element.length < 2) continue;
      if (element[0] === 0x00 && element[1] === 3 && element.length >= 5)
        found = { reference: element[2]!, total: element[3]!, seq: element[4]! };
      if (element[0] === 0x08 && element[1] === 4 && element.length >= 6)
        found = { reference: element.readUInt16BE(2), total: element[4]!, seq: element[5]! };
    }
  }
  if (
    !found &&
    typeof sar.ref === "number" &&
    typeof sar.total === "number" &&
    typeof sar.seq === "number"
  ) {
    found = { reference: sar.ref, total: sar.total, seq: sar.seq };
  }
  if (!found || found.total < 2 || found.seq < 1 || found.seq > found.total) return undefined;
  return found;
}

interface Pending<T> {
  readonly context: T;
  readonly texts: Array<string | undefined>;
  received: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * Puts concatenated MO messages back together. Parts are answered as they
 * come (the SMSC must not wait for the rest) and kept in memory; a message
 * whose parts do not all arrive within `timeoutMs` is handed on with what
 * did arrive, so nothing is held forever. Parts held when the process stops
 * are lost, as the SMSC already had its deliver_sm_resp.
 */
export class InboundParts<T> {
  readonly #pending = new Map<string, Pending<T>>();

  constructor(
    readonly timeoutMs: number,
    readonly onIncomplete: (context: T, text: string, received: number, total: number) => void,
  ) {}

  /**
   * Adds a part of the message `key` (sender and recipient) identifies;
   * returns the whole text once every part is there. `context` (the first
   * part's) goes to `onIncomplete`.
   */
  add(key: string, part: Concatenation, text: string, context: T): string | undefined {
    const id = `${key}\u0000${part.reference}\u0000${part.total}`;
    let pending = this.#pending.get(id);
    if (!pending) {
      const timer = setTimeout(() => this.#expire(id), this.timeoutMs);
      timer.unref();
      pending = {
        context,
        texts: new Array<string | undefined>(part.total).fill(undefined),
        received: 0,
        timer,
      };
      this.#pending.set(id, pending);
    }
    if (pending.texts[part.seq - 1] === undefined) pending.received++;
    pending.texts[part.seq - 1] = text;
    if (pending.received < part.total) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    return pending.texts.join("");
  }

  get waiting(): number {
    return this.#pending.size;
  }

  stop(): void {
    for (const pending of this.#pending.values()) clearTimeout(pending.timer);
    this.#pending.clear();
  }

  #expire(id: string): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    this.onIncomplete(
      pending.context,
      pending.texts.map((t) => t ?? "").join(""),
      pending.received,
      pending.texts.length,
    );
  }
}

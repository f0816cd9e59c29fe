/** Where a part of a concatenated MO message belongs. */
export interface Concatenation {
  readonly reference: number;
  readonly total: number;
  readonly seq: number;
}

/**
 * Reads the concatenation of an inbound deliver_sm: an information element
 * 0x00 (8-bit reference) or 0x08 (16-bit) in its user data header (as it
 * came, length octet first), or the SAR TLVs. Undefined for a single
 * message or numbering that makes no sense.
 */
export function concatenationOf(
  udh: Buffer | undefined,
  sar: { ref?: number; total?: number; seq?: number },
): Concatenation | undefined {
  let found: Concatenation | undefined;
  // Elements are id, length, data; one that runs past the header ends the walk.
  for (let at = 1; udh && at + 2 <= udh.length; at += 2 + udh[at + 1]!) {
    const id = udh[at]!;
    const length = udh[at + 1]!;
    if (at + 2 + length > udh.length) break;
    if (id === 0x00 && length === 3)
      found = { reference: udh[at + 2]!, total: udh[at + 3]!, seq: udh[at + 4]! };
    if (id === 0x08 && length === 4)
      found = { reference: udh.readUInt16BE(at + 2), total: udh[at + 4]!, seq: udh[at + 5]! };
  }
  if (!found && sar.ref !== undefined && sar.total !== undefined && sar.seq !== undefined) {
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

import type { ErrorDetail } from "../../errors/hermes-error.js";
import type { SendOutcome } from "../../router/adapter.js";

/** One submit_sm to make: a part of a submission, with its own retry counts. */
export interface PartJob {
  readonly submission: Submission;
  readonly index: number;
  /** The submit_sm, encoded once; the connection numbers each write of it. */
  readonly pdu: Buffer;
  throttleRetries: number;
  temporaryRetries: number;
}

/**
 * One message on its way to the SMSC: its parts' ids as the submit_sm_resps
 * bring them, settled once every part is accepted or as soon as one part
 * fails for good (the other parts' later answers are ignored).
 */
export class Submission {
  readonly ids: Array<string | undefined>;
  readonly outcome: Promise<SendOutcome>;
  /** Parts written to the socket at least once: after that a loss may mean a duplicate. */
  written = 0;
  #accepted = 0;
  #settled = false;
  #resolve!: (outcome: SendOutcome) => void;

  constructor(
    parts: number,
    readonly detail: Readonly<Record<string, string>>,
    /**
     * Called with each part's id ("" if the SMSC gave none) as soon as it is known (receipts may
     * follow at once).
     */
    readonly onPartId: (id: string) => void = () => {},
  ) {
    this.ids = new Array<string | undefined>(parts).fill(undefined);
    this.outcome = new Promise((resolve) => (this.#resolve = resolve));
  }

  get settled(): boolean {
    return this.#settled;
  }

  partAccepted(index: number, id: string): void {
    if (this.#settled || this.ids[index] !== undefined) return;
    this.ids[index] = id;
    this.onPartId(id);
    if (++this.#accepted < this.ids.length) return;
    this.#settled = true;
    // An SMSC that answers without an id leaves nothing to correlate receipts with (they are
    // recorded as unmatched).
    const ids = [...new Set(this.ids as string[])].filter((i) => i !== "");
    this.#resolve({
      kind: "submitted",
      providerMessageId: ids[0] ?? "",
      extraProviderIds: ids.slice(1),
      detail: { ...this.detail, smpp_message_ids: ids.join(",") },
    });
  }

  fail(error: ErrorDetail, detail: Readonly<Record<string, string>> = {}): void {
    if (this.#settled) return;
    this.#settled = true;
    const accepted = this.ids.filter((id) => id !== undefined) as string[];
    const partial: Record<string, string> =
      accepted.length > 0
        ? { parts_accepted: String(accepted.length), smpp_message_ids: accepted.join(",") }
        : {};
    this.#resolve({ kind: "failed", error, detail: { ...this.detail, ...partial, ...detail } });
  }
}

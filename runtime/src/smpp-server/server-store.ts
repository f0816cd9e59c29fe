/** An SMPP address as the ESME wrote it: type of number, numbering plan, digits or text. */
export interface WireAddress {
  readonly ton: number;
  readonly npi: number;
  readonly addr: string;
}

/**
 * A message an account submitted, remembered from its submit_sm_resp until
 * its receipt is in the outbox (or it finished needing none): who gets the
 * receipt and what it says. It is what attributes a message to an account.
 */
export interface SubmittedMessage {
  readonly messageId: string;
  readonly account: string;
  /** registered_delivery as submitted: which outcomes get a receipt. */
  readonly registeredDelivery: number;
  /**
   * Every id the ESME was answered with for it, in order: the message's id,
   * and for a concatenated message each earlier part's first. Each gets a receipt.
   */
  readonly receiptIds: readonly string[];
  /** The submit's source and destination: a receipt comes from the destination to the source. */
  readonly source: WireAddress;
  readonly destination: WireAddress;
  readonly submittedAt: number;
}

/** A deliver_sm waiting for its account: a receipt or an MO message. */
export interface OutboxEntryInit {
  readonly account: string;
  readonly kind: "receipt" | "mo";
  /** The Hermes message (or inbound event) it is about. */
  readonly messageId: string;
  /** The encoded deliver_sm; the connection numbers it when it is written. */
  readonly pdu: Buffer;
  readonly expiresAt: number;
}

export interface OutboxEntry extends OutboxEntryInit {
  /** Its place in the outbox: entries of an account go out in this order. */
  readonly seq: number;
}

/** One part of a concatenated submit, kept until its message is accepted. */
export interface StoredPart {
  readonly groupId: string;
  readonly account: string;
  /** Source, destination, reference and total: what the ESME's parts share. */
  readonly key: string;
  readonly seq: number;
  readonly total: number;
  /** The id its submit_sm_resp carried. */
  readonly partId: string;
  readonly text: string;
  /** The message's addresses and flags, as the part carried them (JSON of the submit's envelope). */
  readonly envelope: string;
  readonly receivedAt: number;
}

/**
 * What the SMPP server keeps durably, beside the message store: the
 * messages each account submitted (for their receipts), each account's
 * outbox of deliver_sm (ordered, expiring), and the parts of concatenated
 * submits until their last part arrives. Every write resolves once it is
 * durable. SQLite implements it (sqlite-server-store.ts); a NATS cluster
 * would implement the same interface with a KV bucket and a stream.
 */
export interface SmppServerStore {
  /** Records a submitted message; with `completedGroup`, drops that group's parts in the same write. */
  remember(message: SubmittedMessage, completedGroup?: string): Promise<void>;
  /** Every submitted message still owed a receipt, for a restart. */
  submitted(): Promise<SubmittedMessage[]>;
  /**
   * Appends entries to their accounts' outboxes; with `settled`, forgets
   * that submitted message in the same write (its receipt is now queued).
   */
  enqueue(entries: readonly OutboxEntryInit[], settled?: string): Promise<OutboxEntry[]>;
  /** Forgets a submitted message that finished without needing a receipt. */
  settle(messageId: string): Promise<void>;
  /** An account's unexpired entries after `afterSeq`, oldest first, at most `limit`. */
  pending(account: string, afterSeq: number, limit: number, now: number): Promise<OutboxEntry[]>;
  /** Entries waiting, by account. */
  waiting(now: number): Promise<Map<string, number>>;
  /** Removes an entry the ESME acknowledged. */
  delivered(seq: number): Promise<void>;
  /** Drops entries that expired before `now`; resolves with how many. */
  purgeExpired(now: number): Promise<number>;
  storePart(part: StoredPart): Promise<void>;
  /** Every part kept, for a restart. */
  parts(): Promise<StoredPart[]>;
  dropGroup(groupId: string): Promise<void>;
  close(): Promise<void>;
}

import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import type { ErrorDetail } from "../errors/hermes-error.js";
import { Channel, DeliveryEventKind, type MessageStatus } from "../gen/hermes/v1/message_pb.js";
import type { EventRecord } from "../store/event-record.js";
import { isTerminal } from "../store/message-state.js";
import type { MessageStore } from "../store/message-store.js";
import type { MoRule } from "./config.js";
import { moPdus, receiptPdu, wantsReceipt } from "./deliver-pdus.js";
import { moAccount } from "./mo-rules.js";
import type {
  OutboxEntry,
  OutboxEntryInit,
  SmppServerStore,
  SubmittedMessage,
} from "./server-store.js";

export interface EventFollowerOptions {
  readonly store: SmppServerStore;
  readonly messages: MessageStore;
  readonly mo: readonly MoRule[];
  /** Accounts that asked for their tenant's email receipts, by tenant. */
  readonly emailAccounts: ReadonlyMap<string, readonly string[]>;
  readonly receiptTtlMs: number;
  /** New outbox entries, durable now, for their accounts' binds. */
  readonly queued: (entries: readonly OutboxEntry[]) => void;
  readonly log: Logger;
}

const noAddress = { ton: 0, npi: 0, addr: "" };

/**
 * Turns the gateway's events into deliver_sm for accounts: the final status
 * of a message an account submitted becomes its receipt (one per id the
 * ESME was given), an MO message that a rule gives to an account becomes
 * MO deliver_sm, and, for accounts that ask, a final status of their
 * tenant's email messages becomes a receipt too. The events come from the
 * bus, which publishes only what the store has committed; the outbox entry
 * and the forgetting of the submitted message are one write, so a receipt
 * is queued exactly once: a restart between a final status and its
 * receipt finds the message still remembered, and finished (`restore`).
 */
export class EventFollower {
  readonly #options: EventFollowerOptions;
  /** Submitted messages owed a receipt (or a decision that none is wanted), by id. */
  readonly #owed = new Map<string, SubmittedMessage>();
  #reference = 0;

  constructor(options: EventFollowerOptions) {
    this.#options = options;
  }

  /** A message accepted for an account: follow it (before its submit is answered). */
  track(message: SubmittedMessage): void {
    this.#owed.set(message.messageId, message);
  }

  get owed(): number {
    return this.#owed.size;
  }

  /**
   * Reads back the messages owed a receipt: each that finished while the
   * gateway was down (or between its final status and its receipt) gets its
   * receipt now; the others are followed again.
   */
  async restore(): Promise<void> {
    for (const submitted of await this.#options.store.submitted()) {
      const message = await this.#options.messages.get(submitted.messageId);
      if (!message) {
        await this.#options.store.settle(submitted.messageId);
        continue;
      }
      this.track(submitted);
      if (isTerminal(message.status))
        await this.#finished(
          submitted.messageId,
          message.status,
          message.error,
          message.updatedAt ? timestampMs(message.updatedAt) : Date.now(),
        );
    }
  }

  /** An event the store committed. */
  onEvent(event: EventRecord): void {
    let done: Promise<void> | undefined;
    if (event.kind === DeliveryEventKind.INBOUND) done = this.#inbound(event);
    else if (event.kind === DeliveryEventKind.STATUS && isTerminal(event.status)) {
      if (this.#owed.has(event.messageId))
        done = this.#finished(event.messageId, event.status, event.error, event.time);
      else if (event.channel === Channel.EMAIL) done = this.#emailFinished(event);
    }
    done?.catch((err) =>
      this.#options.log.error(
        { err, messageId: event.messageId },
        "queueing a deliver_sm for an SMPP account failed",
      ),
    );
  }

  async #finished(
    messageId: string,
    status: MessageStatus,
    error: ErrorDetail | undefined,
    doneAt: number,
  ): Promise<void> {
    const submitted = this.#owed.get(messageId);
    if (!submitted) return;
    this.#owed.delete(messageId);
    const { store } = this.#options;
    if (!wantsReceipt(submitted.registeredDelivery, status)) {
      await store.settle(messageId);
      return;
    }
    const entries = submitted.receiptIds.map(
      (id): OutboxEntryInit => ({
        account: submitted.account,
        kind: "receipt",
        messageId,
        pdu: receiptPdu({
          id,
          source: submitted.source,
          destination: submitted.destination,
          submittedAt: submitted.submittedAt,
          doneAt,
          status,
          error,
        }),
        expiresAt: Date.now() + this.#options.receiptTtlMs,
      }),
    );
    this.#options.queued(await store.enqueue(entries, messageId));
  }

  /** An email message of a tenant whose accounts asked for email receipts. */
  async #emailFinished(event: EventRecord): Promise<void> {
    const accounts = this.#options.emailAccounts.get(event.tenant);
    if (!accounts) return;
    const message = await this.#options.messages.get(event.messageId);
    const submittedAt = message?.createdAt ? timestampMs(message.createdAt) : event.time;
    const pdu = receiptPdu({
      id: event.messageId,
      source: noAddress,
      destination: noAddress,
      submittedAt,
      doneAt: event.time,
      status: event.status,
      error: event.error,
    });
    const expiresAt = Date.now() + this.#options.receiptTtlMs;
    const entries = accounts.map(
      (account): OutboxEntryInit => ({
        account,
        kind: "receipt",
        messageId: event.messageId,
        pdu,
        expiresAt,
      }),
    );
    this.#options.queued(await this.#options.store.enqueue(entries));
  }

  /** An MO message: to the account the rules give it to, if any. */
  async #inbound(event: EventRecord): Promise<void> {
    if (event.channel !== Channel.SMS || event.to?.kind.case !== "phone") return;
    const from = event.from?.kind.case === "phone" ? event.from.kind.value : "";
    const text = event.text ?? "";
    const account = moAccount(this.#options.mo, event.to.kind.value, text);
    if (!account) return;
    const pdus = moPdus({ from, to: event.to.kind.value, text }, () => ++this.#reference & 0xff);
    const expiresAt = Date.now() + this.#options.receiptTtlMs;
    const entries = pdus.map(
      (pdu): OutboxEntryInit => ({
        account,
        kind: "mo",
        messageId: event.messageId,
        pdu,
        expiresAt,
      }),
    );
    this.#options.queued(await this.#options.store.enqueue(entries));
  }
}

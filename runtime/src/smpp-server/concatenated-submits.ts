import type { Logger } from "pino";
import { newMessageId } from "../store/ids.js";
import type { SubmitRequest } from "./submit-reader.js";
import type { SmppServerStore, StoredPart } from "./server-store.js";
import { serverStatus } from "./status.js";

/** What the parts of one concatenated message share: the first part's addresses and flags. */
export type Envelope = Omit<SubmitRequest, "text" | "part" | "parts">;

/** The answer a submit gets: a command_status, and the id when it is ESME_ROK. */
export interface SubmitAnswer {
  readonly status: number;
  readonly id?: string;
}

/** A concatenated message, whole (or as much of it as came). */
export interface CompletedGroup {
  readonly account: string;
  readonly envelope: Envelope;
  readonly text: string;
  /** Its group: accepting it twice (after a restart) must return the first. */
  readonly groupId: string;
  readonly total: number;
  /** The ids the parts before the completing one were answered with, in order. */
  readonly partIds: readonly string[];
  /** Parts never came: the timeout sends what did, and no part was answered with the message's id. */
  readonly incomplete: boolean;
}

/** Accepts the message of a group. */
export type CompleteGroup = (group: CompletedGroup) => Promise<SubmitAnswer>;

interface Group {
  readonly id: string;
  readonly account: string;
  readonly key: string;
  readonly total: number;
  readonly envelope: Envelope;
  readonly parts: Map<number, StoredPart>;
  /** The parts' writes: a group is accepted only once every earlier part is durable. */
  readonly writes: Promise<void>[];
  completing: Promise<SubmitAnswer> | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Puts concatenated submits (UDH or SAR parts) back together so they become
 * one message. No part is acknowledged before a crash could not lose it:
 * each part but the one that completes the message is stored durably and
 * then answered with an id of its own (`<group>.<seq>`); the part that
 * completes it is answered with the message's Hermes id once the message is
 * accepted (and its parts are dropped in the same write that records the
 * message). A restart reads the stored parts back. A group whose parts do
 * not all come within `timeoutMs` is accepted with what came (the ESME was
 * told its parts were taken), its missing parts left empty.
 */
export class ConcatenatedSubmits {
  readonly #groups = new Map<string, Group>();
  readonly #store: SmppServerStore;
  readonly #timeoutMs: number;
  readonly #complete: CompleteGroup;
  readonly #log: Logger;

  constructor(store: SmppServerStore, timeoutMs: number, complete: CompleteGroup, log: Logger) {
    this.#store = store;
    this.#timeoutMs = timeoutMs;
    this.#complete = complete;
    this.#log = log;
  }

  /** Reads back the parts stored before a restart; their groups wait for the rest again. */
  async restore(): Promise<number> {
    const parts = await this.#store.parts();
    for (const part of parts) {
      const groupKey = `${part.account}\u0000${part.key}`;
      let group = this.#groups.get(groupKey);
      if (!group) {
        group = this.#newGroup(
          part.groupId,
          part.account,
          part.key,
          part.total,
          JSON.parse(part.envelope),
        );
        this.#groups.set(groupKey, group);
      }
      group.parts.set(part.seq, part);
    }
    return parts.length;
  }

  /** Groups waiting for parts. */
  get waiting(): number {
    return this.#groups.size;
  }

  /** Takes one part; resolves with what its submit_sm_resp says. */
  add(account: string, request: SubmitRequest): Promise<SubmitAnswer> {
    const part = request.part!;
    const key = `${request.source.addr}\u0000${request.destination.addr}\u0000${part.reference}\u0000${part.total}`;
    const groupKey = `${account}\u0000${key}`;
    let group = this.#groups.get(groupKey);
    if (!group) {
      const { text: _text, part: _part, parts: _parts, ...envelope } = request;
      group = this.#newGroup(newMessageId(), account, key, part.total, envelope);
      this.#groups.set(groupKey, group);
    }
    if (group.completing) return group.completing; // the completing part sent again
    const missing = [...Array(group.total).keys()]
      .map((i) => i + 1)
      .filter((seq) => seq !== part.seq && !group.parts.has(seq));
    if (missing.length === 0) return this.#completeGroup(groupKey, group, part.seq, request.text);
    const stored: StoredPart = {
      groupId: group.id,
      account,
      key,
      seq: part.seq,
      total: group.total,
      partId: group.parts.get(part.seq)?.partId ?? `${group.id}.${part.seq}`,
      text: request.text,
      envelope: JSON.stringify(group.envelope),
      receivedAt: Date.now(),
    };
    group.parts.set(part.seq, stored);
    const write = this.#store.storePart(stored);
    group.writes.push(write.catch(() => undefined));
    return write.then(
      () => ({ status: 0, id: stored.partId }),
      (err) => {
        this.#log.error({ err, account }, "storing a message part failed");
        if (group.parts.get(part.seq) === stored) group.parts.delete(part.seq);
        return { status: serverStatus.systemError };
      },
    );
  }

  stop(): void {
    for (const group of this.#groups.values()) clearTimeout(group.timer);
  }

  #newGroup(id: string, account: string, key: string, total: number, envelope: Envelope): Group {
    const group: Group = {
      id,
      account,
      key,
      total,
      envelope,
      parts: new Map(),
      writes: [],
      completing: undefined,
      timer: undefined,
    };
    this.#arm(`${account}\u0000${key}`, group, this.#timeoutMs);
    return group;
  }

  #arm(groupKey: string, group: Group, delayMs: number): void {
    group.timer = setTimeout(() => void this.#expire(groupKey, group), delayMs);
    group.timer.unref();
  }

  /** The message of a group: its parts' texts in order, `last` the part that completes it (if any). */
  async #completeGroup(
    groupKey: string,
    group: Group,
    lastSeq: number | undefined,
    lastText: string | undefined,
  ): Promise<SubmitAnswer> {
    const run = async (): Promise<SubmitAnswer> => {
      await Promise.all(group.writes);
      const texts: string[] = [];
      const partIds: string[] = [];
      for (let seq = 1; seq <= group.total; seq++) {
        const stored = group.parts.get(seq);
        if (seq === lastSeq) texts.push(lastText ?? "");
        else {
          texts.push(stored?.text ?? "");
          if (stored) partIds.push(stored.partId);
        }
      }
      return this.#complete({
        account: group.account,
        envelope: group.envelope,
        text: texts.join(""),
        groupId: group.id,
        total: group.total,
        partIds,
        incomplete: lastSeq === undefined,
      });
    };
    group.completing = run();
    const answer = await group.completing;
    if (answer.status === 0) {
      clearTimeout(group.timer);
      this.#groups.delete(groupKey);
    } else group.completing = undefined;
    return answer;
  }

  /** Parts stopped coming: the message goes with what came; a refusal now is tried again later. */
  async #expire(groupKey: string, group: Group): Promise<void> {
    if (this.#groups.get(groupKey) !== group || group.completing) return;
    const answer = await this.#completeGroup(groupKey, group, undefined, undefined);
    if (answer.status !== 0) {
      this.#log.warn(
        { account: group.account, group: group.id, status: answer.status },
        "an incomplete concatenated message could not be accepted; trying again later",
      );
      this.#arm(groupKey, group, Math.min(this.#timeoutMs, 30_000));
    }
  }
}

import type { CascadeProgress } from "../cascades/cascade-rules.js";

/** A cascade as the store keeps it, beside its parent message. */
export interface CascadeRecord {
  /** The message that carries the cascade. */
  readonly parentId: string;
  readonly tenant: string;
  /** Its steps as planned when it was accepted: a hermes.v1.Cascade, in binary. */
  readonly plan: Uint8Array;
  readonly progress: CascadeProgress;
}

/**
 * Where cascades live (MessageStore.cascades): a record per cascade, its
 * plan written once and its progress rewritten at each step, so that after a
 * restart every undecided cascade continues where it was, timers included
 * (a running step's deadline is in its progress). `cascadeStoreContract`
 * checks each backend.
 */
export interface CascadeStore {
  /** Stores a new cascade; resolves once durable. */
  create(record: CascadeRecord): Promise<void>;
  get(parentId: string): Promise<CascadeRecord | undefined>;
  /** Replaces a cascade's progress; resolves once durable. */
  update(parentId: string, progress: CascadeProgress): Promise<void>;
  /** Every cascade not yet decided (progress.done false). */
  undecided(): Promise<CascadeRecord[]>;
  /** Forgets a cascade (one whose parent turned out to be a duplicate). */
  delete(parentId: string): Promise<void>;
}

import type { SmppConnection } from "../drivers/smpp/connection.js";
import type { SmppAccountConfig } from "./config.js";

/** What an ESME bound as. */
export type BindRole = "transmitter" | "receiver" | "transceiver";

/** One bound connection of an account. */
export interface ServerBind {
  readonly role: BindRole;
  readonly connection: SmppConnection;
  readonly address: string;
}

export const transmits = (role: BindRole) => role !== "receiver";
export const receives = (role: BindRole) => role !== "transmitter";

/** Why a submit was not taken before it was read. */
export type Admission = "ok" | "window" | "throttled";

/**
 * An account while the gateway runs: its binds, the submits it has waiting
 * for an answer (its window, all binds together), and its throughput in
 * message parts, a token bucket one second deep. It counts parts, not
 * submit_sm: a long text in one message_payload costs as many tokens as
 * the SMS it becomes.
 */
export class Account {
  readonly config: SmppAccountConfig;
  readonly binds = new Set<ServerBind>();
  /** Submits read and not answered yet. */
  inFlight = 0;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;
  // Parts taken in the current and the previous second, for health.
  #second = 0;
  #thisSecond = 0;
  #lastSecond = 0;

  constructor(config: SmppAccountConfig, now: () => number = Date.now) {
    this.config = config;
    this.#now = now;
    this.#tokens = config.throughput;
    this.#refilledAt = now();
  }

  get systemId(): string {
    return this.config.systemId;
  }

  /** Whether a submit of `parts` parts fits the window and the throughput now; takes its tokens if so. */
  admit(parts: number): Admission {
    if (this.inFlight >= this.config.window) return "window";
    const now = this.#now();
    const rate = this.config.throughput;
    if (rate > 0) {
      this.#tokens = Math.min(rate, this.#tokens + ((now - this.#refilledAt) * rate) / 1000);
      this.#refilledAt = now;
      if (this.#tokens < parts) return "throttled";
      this.#tokens -= parts;
    }
    this.#count(now, parts);
    return "ok";
  }

  /** Parts taken in the last whole second. */
  get partsPerSecond(): number {
    this.#count(this.#now(), 0);
    return this.#lastSecond;
  }

  bindsOf(role: BindRole): number {
    let n = 0;
    for (const bind of this.binds) if (bind.role === role) n++;
    return n;
  }

  /** Binds that take deliver_sm: receivers and transceivers. */
  receivingBinds(): ServerBind[] {
    return [...this.binds].filter((bind) => receives(bind.role));
  }

  #count(now: number, parts: number): void {
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#lastSecond = second === this.#second + 1 ? this.#thisSecond : 0;
      this.#thisSecond = 0;
      this.#second = second;
    }
    this.#thisSecond += parts;
  }
}

export interface BindGuardOptions {
  readonly failedBindDelayMs: number;
  readonly maxFailedBindDelayMs: number;
  readonly maxConnectionsPerAddress: number;
  readonly bindsPerSecondPerAddress: number;
}

interface AddressState {
  connections: number;
  /** Bind attempts it may still make now (refilled at bindsPerSecondPerAddress, up to twice that). */
  tokens: number;
  refilledAt: number;
  /** Failed binds in a row, forgotten after `forgetFailuresMs` without one. */
  failures: number;
  lastFailure: number;
}

const forgetFailuresMs = 10 * 60_000;
// Beyond this many addresses, idle ones are dropped before another is added.
const pruneAbove = 10_000;

/**
 * What one remote address may do before it binds: hold so many connections,
 * try so many binds a second, and wait longer for each failed bind in a row
 * (the delay doubles up to a ceiling), so guessing passwords is slow and a
 * flood of connections or binds from one address is cut off without
 * touching anyone else's. State is kept per address only while it has
 * connections or recent failures.
 */
export class BindGuard {
  readonly #options: BindGuardOptions;
  readonly #now: () => number;
  readonly #addresses = new Map<string, AddressState>();

  constructor(options: BindGuardOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  /** A connection opened; false when its address already holds its maximum (close it). */
  connected(address: string): boolean {
    const state = this.#state(address);
    if (state.connections >= this.#options.maxConnectionsPerAddress) return false;
    state.connections++;
    return true;
  }

  disconnected(address: string): void {
    const state = this.#addresses.get(address);
    if (!state) return;
    state.connections = Math.max(0, state.connections - 1);
    this.#forgetIfIdle(address, state);
  }

  /** A bind arrived; false when the address binds faster than allowed (close the connection). */
  bindAttempt(address: string): boolean {
    const state = this.#state(address);
    const now = this.#now();
    const rate = this.#options.bindsPerSecondPerAddress;
    state.tokens = Math.min(2 * rate, state.tokens + ((now - state.refilledAt) * rate) / 1000);
    state.refilledAt = now;
    if (state.tokens < 1) return false;
    state.tokens--;
    return true;
  }

  /** A bind was refused: how long to wait before answering ESME_RBINDFAIL. */
  failed(address: string): number {
    const state = this.#state(address);
    const now = this.#now();
    if (now - state.lastFailure > forgetFailuresMs) state.failures = 0;
    state.failures++;
    state.lastFailure = now;
    const { failedBindDelayMs, maxFailedBindDelayMs } = this.#options;
    return Math.min(
      maxFailedBindDelayMs,
      failedBindDelayMs * 2 ** Math.min(30, state.failures - 1),
    );
  }

  /** A bind succeeded: the address's failures are forgiven. */
  succeeded(address: string): void {
    const state = this.#addresses.get(address);
    if (state) state.failures = 0;
  }

  /** Addresses tracked now (for tests: state does not outlive its use). */
  get tracked(): number {
    return this.#addresses.size;
  }

  #state(address: string): AddressState {
    let state = this.#addresses.get(address);
    if (!state) {
      if (this.#addresses.size >= pruneAbove)
        for (const [other, idle] of this.#addresses) this.#forgetIfIdle(other, idle);
      state = {
        connections: 0,
        tokens: 2 * this.#options.bindsPerSecondPerAddress,
        refilledAt: this.#now(),
        failures: 0,
        lastFailure: 0,
      };
      this.#addresses.set(address, state);
    }
    return state;
  }

  #forgetIfIdle(address: string, state: AddressState): void {
    const failing = state.failures > 0 && this.#now() - state.lastFailure <= forgetFailuresMs;
    if (state.connections === 0 && !failing) this.#addresses.delete(address);
  }
}

/**
 * A carrier's send rate: a token bucket (`rate` per second, `burst` deep;
 * rate 0 means no cap) that backs off when the SMSC says it is throttling
 * (ESME_RTHROTTLED, ESME_RMSGQFUL). A throttle pauses every send for
 * `pauseMs` and halves the effective rate, once per pause however many
 * answers of the window said so (uncapped, it halves the rate actually
 * achieved). Each quiet `pauseMs` (at least 50 ms) after that grows the rate
 * back by a quarter, up to the cap; uncapped, until it no longer limits.
 */
export class TokenBucket {
  #tokens: number;
  #effectiveRate: number;
  #refilledAt: number;
  #pausedUntil = 0;
  #lastThrottle = 0;
  #throttles = 0;
  // Sends in the current and previous second, to know the achieved rate.
  #windowStart: number;
  #thisSecond = 0;
  #lastSecond = 0;

  constructor(
    readonly rate: number,
    readonly burst: number,
    readonly pauseMs: number,
    readonly now: () => number = Date.now,
  ) {
    this.#effectiveRate = rate > 0 ? rate : Infinity;
    this.#tokens = burst;
    this.#refilledAt = now();
    this.#windowStart = this.#refilledAt;
  }

  /** Takes a token if one is there; otherwise false (ask `waitMs` how long until one is). */
  take(): boolean {
    const now = this.now();
    this.#count(now);
    if (now < this.#pausedUntil) return false;
    this.#recover(now);
    if (this.#effectiveRate === Infinity) {
      this.#thisSecond++;
      return true;
    }
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens--;
    this.#thisSecond++;
    return true;
  }

  /** Milliseconds until `take` may succeed. */
  waitMs(): number {
    const now = this.now();
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (this.#effectiveRate === Infinity) return 0;
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 1000) / this.#effectiveRate);
  }

  /** The SMSC throttled us: pause and halve the rate. */
  throttle(): void {
    const now = this.now();
    this.#count(now);
    this.#throttles++;
    this.#lastThrottle = now;
    // A window's worth of throttled answers is one congestion event: back off once per pause.
    const alreadyPaused = now < this.#pausedUntil;
    this.#pausedUntil = Math.max(this.#pausedUntil, now + this.pauseMs);
    if (alreadyPaused) return;
    const achieved = Math.max(this.#lastSecond, this.#thisSecond, 1);
    const base = this.#effectiveRate === Infinity ? achieved : this.#effectiveRate;
    this.#effectiveRate = Math.max(1, base / 2);
    this.#tokens = Math.min(this.#tokens, 1);
  }

  get throttles(): number {
    return this.#throttles;
  }

  /** The rate sends are held to now (Infinity when uncapped and not backing off). */
  get effectiveRate(): number {
    return this.#effectiveRate;
  }

  #refill(now: number): void {
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return;
    this.#refilledAt = now;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.#effectiveRate) / 1000);
  }

  #recover(now: number): void {
    const step = Math.max(50, this.pauseMs);
    if (this.#throttles === 0 || now - this.#lastThrottle < step) return;
    const cap = this.rate > 0 ? this.rate : Infinity;
    if (this.#effectiveRate >= cap) return;
    const steps = Math.floor((now - this.#lastThrottle) / step);
    this.#refill(now);
    this.#lastThrottle += steps * step;
    this.#effectiveRate *= 1.25 ** steps;
    // Uncapped: once well above what we achieve, stop limiting at all.
    if (
      this.rate === 0 &&
      this.#effectiveRate > 4 * Math.max(this.#lastSecond, this.#thisSecond, 1)
    )
      this.#effectiveRate = Infinity;
    if (this.rate > 0) this.#effectiveRate = Math.min(this.#effectiveRate, this.rate);
  }

  #count(now: number): void {
    const elapsed = now - this.#windowStart;
    if (elapsed < 1000) return;
    this.#lastSecond = elapsed < 2000 ? this.#thisSecond : 0;
    this.#thisSecond = 0;
    this.#windowStart = now;
  }
}

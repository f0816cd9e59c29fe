/**
 * OTP's restart intensity: at most `intensity` restarts within `period` ms.
 * One more and the supervisor gives up, stops its children and exits, so
 * the failure escalates to its parent instead of looping forever.
 */
export class RestartIntensity {
  readonly intensity: number;
  readonly period: number;
  #restarts: number[] = [];

  constructor(intensity: number, period: number) {
    if (!(intensity >= 0) || !Number.isInteger(intensity))
      throw new RangeError(`intensity must be an integer >= 0, got ${intensity}`);
    if (!(period > 0)) throw new RangeError(`period must be > 0 ms, got ${period}`);
    this.intensity = intensity;
    this.period = period;
  }

  /** Records a restart at `now`; false when it exceeds the intensity. */
  add(now: number): boolean {
    this.#restarts = this.#restarts.filter((t) => now - t < this.period);
    this.#restarts.push(now);
    return this.#restarts.length <= this.intensity;
  }

  /** Restarts counted in the current period. */
  recent(now: number): number {
    return this.#restarts.filter((t) => now - t < this.period).length;
  }
}

/**
 * Exponential restart backoff, so a dead carrier is not hammered: the n-th
 * consecutive restart of a child waits `initialMs * factor^(n-1)`, capped at
 * `maxMs`. A child that ran for `resetAfterMs` before failing starts over.
 */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Default 2. */
  readonly factor?: number;
  /**
   * Quiet period after which the sequence resets; default the larger of maxMs and the supervisor's
   * period.
   */
  readonly resetAfterMs?: number;
}

/** The wait before the restart that follows `failures` consecutive earlier ones. */
export function backoffDelay(backoff: Backoff | undefined, failures: number): number {
  if (backoff === undefined) return 0;
  return Math.min(backoff.maxMs, backoff.initialMs * (backoff.factor ?? 2) ** failures);
}

/** Rejects a backoff that would never wait or never stop growing. */
export function validateBackoff(backoff: Backoff): void {
  if (!(backoff.initialMs >= 0) || !(backoff.maxMs >= backoff.initialMs))
    throw new RangeError("backoff: need 0 <= initialMs <= maxMs");
  if (backoff.factor !== undefined && !(backoff.factor >= 1))
    throw new RangeError("backoff: factor must be >= 1");
}

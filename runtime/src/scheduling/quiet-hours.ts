import type { Channel } from "../gen/hermes/v1/message_pb.js";

/** A tenant's quiet hours: no message of these channels leaves while the recipient's clock is inside. */
export interface QuietHours {
  /** Seconds after local midnight the window opens. */
  readonly start: number;
  /** Seconds after local midnight it closes; before `start` when the window spans midnight. */
  readonly end: number;
  /** The channels it holds back; empty: every channel. */
  readonly channels: readonly Channel[];
  /** The zone of recipients whose own zone is unknown; unset: such messages are not held back. */
  readonly timeZone?: string;
}

const day = 86_400;
/** One formatter per zone: building one costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * When the window that holds `t` closes, in `zone`; undefined when `t` is
 * outside it. The window is wall-clock time: it opens and closes at the same
 * local times on days when the clocks change, and a close that falls in a
 * skipped hour happens at the first instant after it.
 */
export function quietUntil(hours: QuietHours, zone: string, t: number): number | undefined {
  const at = wallClock(zone, t);
  const { start, end } = hours;
  const inside =
    start < end ? at.seconds >= start && at.seconds < end : at.seconds >= start || at.seconds < end;
  if (!inside) return undefined;
  const wait = ((end - at.seconds + day) % day) * 1000;
  const guess = t - (t % 1000) + wait;
  const later = wallClock(zone, guess).offset;
  // The same wall-clock distance, corrected by a change of offset in between.
  const close = guess + at.offset - later;
  if (wallClock(zone, close).seconds === end) return close;
  // The close falls in an hour the clocks skip: the window ends when they jump.
  let before = close;
  let after = guess;
  while (after - before > 1000) {
    const middle = before + Math.floor((after - before) / 2000) * 1000;
    if (wallClock(zone, middle).offset === later) after = middle;
    else before = middle;
  }
  return after;
}

/** Seconds since local midnight at `t` in `zone`, and the zone's offset from UTC then (ms). */
export function wallClock(zone: string, t: number): { seconds: number; offset: number } {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, format);
  }
  const part: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(t)) part[type] = Number(value);
  const local = Date.UTC(
    part.year!,
    part.month! - 1,
    part.day!,
    part.hour,
    part.minute,
    part.second,
  );
  return {
    seconds: part.hour! * 3600 + part.minute! * 60 + part.second!,
    offset: local - (t - (t % 1000)),
  };
}

/** "21:00" or "21:00:30" as seconds after midnight; undefined when it is not a time of day. */
export function secondsOfDay(text: string): number | undefined {
  const match = /^([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3] ?? 0);
}
